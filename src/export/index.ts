/**
 * export/: a trained policy out of the library: ONNX, a TensorFlow.js LayersModel, or the
 * zero-dependency runner. Browser-safe: exportPolicy returns the files' bytes; the `ascent export`
 * command (src/cli/export.ts) writes them.
 */
import type { Algorithm } from '../algos/types.ts';
import { describePolicy, EXPORT_FORMATS, type ExportFormat } from './spec.ts';
import { toOnnx, type OnnxOptions } from './onnx.ts';
import { toTfjs, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from './tfjs.ts';
import { RUNNER_MODULE_FILE, RUNNER_SOURCE, RUNNER_WEIGHTS_FILE, toRunnerWeights } from './runner.ts';

export * from './spec.ts';
export * from './onnx.ts';
export * from './tfjs.ts';
export * from './runner.ts';
export * from './predict.ts';

export interface ExportOptions extends OnnxOptions {
  format: ExportFormat;
  /** Names written into the files' metadata (default: the algorithm's name and config.env). */
  algo?: string;
  env?: string;
}

export interface ExportedFile {
  /** File name: the .onnx file's is 'policy.onnx'; the others' are fixed (model.json, policy.mjs, ...). */
  name: string;
  bytes: Uint8Array;
}

/**
 * A trained algorithm's greedy policy in `format`: the files to write (one for ONNX, two for
 * TensorFlow.js and the runner). Throws an UnsupportedPolicyError naming the policy and the formats
 * that support it when this one cannot carry it.
 */
export function exportPolicy(algo: Algorithm, opts: ExportOptions): ExportedFile[] {
  const format = opts.format;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new RangeError(`exportPolicy: format must be one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const d = describePolicy(algo, format, { algo: opts.algo, env: opts.env });
  const utf8 = new TextEncoder();
  switch (format) {
    case 'onnx':
      return [{ name: 'policy.onnx', bytes: toOnnx(d, opts) }];
    case 'tfjs': {
      const m = toTfjs(d, `ascent-rl${opts.producerVersion ? ` ${opts.producerVersion}` : ''}`);
      return [
        { name: TFJS_MODEL_FILE, bytes: utf8.encode(`${JSON.stringify(m.modelJson)}\n`) },
        { name: TFJS_WEIGHTS_FILE, bytes: m.weights },
      ];
    }
    case 'ascent-runner':
      return [
        { name: RUNNER_MODULE_FILE, bytes: utf8.encode(RUNNER_SOURCE) },
        { name: RUNNER_WEIGHTS_FILE, bytes: toRunnerWeights(d) },
      ];
  }
}
