/** `ascent export <run> --format onnx|tfjs|ascent-runner --out PATH`: a trained policy out of the library. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadEnvsFor } from './load-envs.ts';
import { checkpointPath, readCheckpoint, restoreAlgorithm } from '../train/node/load.ts';
import { atomicWrite } from '../train/node/files.ts';
import { ConfigError } from '../train/setup.ts';
import { exportPolicy, EXPORT_FORMATS, UnsupportedPolicyError, type ExportFormat } from '../export/index.ts';
import { ASCENT_VERSION } from './version.ts';
import { outDir, outFile } from './options.ts';

export interface ExportFlags {
  format: ExportFormat;
  out: string;
  best?: boolean;
  actionOnly?: boolean;
}

/** `--format`: one of the export formats. */
export function exportFormat(v: string): ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(v)) throw new ConfigError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${v}'`);
  return v as ExportFormat;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export async function exportCommand(path: string, f: ExportFlags): Promise<void> {
  // ONNX is one file; the other formats write two files into a directory.
  if (f.format === 'onnx') {
    if (isDir(f.out)) throw new ConfigError(`--out for onnx names a file (e.g. policy.onnx), but ${f.out} is a directory`);
    outFile('out')(f.out);
  } else {
    if (existsSync(f.out) && !isDir(f.out)) throw new ConfigError(`--out for ${f.format} names a directory (it holds two files), but ${f.out} is a file`);
    outDir('out')(f.out);
  }
  const ckPath = checkpointPath(path, f.best ? 'best' : 'last');
  const ck = readCheckpoint(ckPath);
  await loadEnvsFor(ck.env);
  const algo = restoreAlgorithm(ck, ckPath);
  try {
    let files;
    try {
      files = exportPolicy(algo, { format: f.format, algo: ck.algo, env: ck.env, outputs: f.actionOnly ? 'action' : 'all', producerVersion: ASCENT_VERSION });
    } catch (e) {
      if (e instanceof UnsupportedPolicyError) throw new ConfigError(e.message);
      throw e;
    }
    const written: string[] = [];
    if (f.format === 'onnx') {
      atomicWrite(f.out, files[0].bytes);
      written.push(f.out);
    } else {
      mkdirSync(f.out, { recursive: true });
      for (const file of files) {
        const p = join(f.out, file.name);
        atomicWrite(p, file.bytes);
        written.push(p);
      }
    }
    const shown = written.map((p) => `${relative(process.cwd(), p) || p} (${statSync(p).size} bytes)`).join(', ');
    process.stdout.write(`exported ${ck.algo} on ${ck.env} (${ck.steps} steps) as ${f.format}: ${shown}\n`);
  } finally {
    algo.close();
  }
}
