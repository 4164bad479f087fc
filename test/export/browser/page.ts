/**
 * Runs in Chromium (bundled by browser.test.ts): trains small agents with the library in the page,
 * exports each to ONNX in the page, and runs it with onnxruntime-web (WebAssembly) against
 * predict(). onnxruntime-web is loaded by the page's import map, not bundled.
 */
import * as ort from 'onnxruntime-web';
import { exportPolicy, Predictor, describePolicy } from '../../../src/export/index.ts';
import { makeEnv } from '../../../src/algos/common.ts';
import { Discrete } from '../../../src/envs/index.ts';
import { AGENTS, maxAbsDiff, recordObservations, trainAgent } from '../helpers.ts';

const OUTPUT_OF: Record<string, string> = {
  action: 'action',
  logits: 'logits',
  mean: 'mean',
  log_std: 'logStd',
  squashed_mean: 'squashedMean',
  value: 'value',
};

export interface AgentReport {
  label: string;
  outputs: string[];
  maxDiff: Record<string, number>;
  discreteActionsEqual: boolean;
  runSteps: number;
  runMaxActionDiff: number;
  runActionsEqual: boolean;
}

async function check(spec: (typeof AGENTS)[number], n: number): Promise<AgentReport> {
  const algo = trainAgent(spec);
  try {
    const d = describePolicy(algo);
    const session = await ort.InferenceSession.create(exportPolicy(algo, { format: 'onnx' })[0].bytes, { executionProviders: ['wasm'] });
    const obs = recordObservations(algo, spec.config.env as string, n);
    const r = await session.run({ obs: new ort.Tensor('float32', obs, [n, d.obsDim]) });
    const p = new Predictor(algo).predict(obs, n) as unknown as Record<string, Float32Array>;
    const maxDiff: Record<string, number> = {};
    let discreteActionsEqual = true;
    for (const name of session.outputNames) {
      const got = r[name].data as Float32Array | BigInt64Array;
      const want = p[OUTPUT_OF[name]];
      if (name === 'action' && d.head.kind === 'categorical')
        discreteActionsEqual = Array.from(got, Number).every((a, i) => a === want[i]) && got.length === want.length;
      else maxDiff[name] = maxAbsDiff(got, want);
    }
    // A greedy run of n steps driven by the ONNX policy, the library's action checked at every step.
    const env = makeEnv(spec.config.env as string);
    const predictor = new Predictor(algo);
    let steps = 0,
      runMaxActionDiff = 0,
      runActionsEqual = true;
    for (let ep = 0; steps < n; ep++) {
      let o = env.reset({ seed: 1000 + ep }).obs as Float32Array;
      for (;;) {
        const out = await session.run({ obs: new ort.Tensor('float32', Float32Array.from(o), [1, d.obsDim]) }, ['action']);
        const a = Float32Array.from(out.action.data as ArrayLike<number | bigint>, Number);
        const lib = predictor.act(o, 1);
        const discrete = env.actionSpace instanceof Discrete;
        if (discrete) runActionsEqual &&= a[0] === lib[0];
        else runMaxActionDiff = Math.max(runMaxActionDiff, maxAbsDiff(a, lib));
        const s = env.step(discrete ? a[0] : a);
        o = s.obs as Float32Array;
        steps++;
        if (s.terminated || s.truncated) break;
      }
    }
    await session.release();
    return { label: spec.label, outputs: session.outputNames.slice(), maxDiff, discreteActionsEqual, runSteps: steps, runMaxActionDiff, runActionsEqual };
  } finally {
    algo.close();
  }
}

(globalThis as any).runExportCheck = async (n: number): Promise<AgentReport[]> => {
  ort.env.wasm.numThreads = 1; // no SharedArrayBuffer without cross-origin isolation
  ort.env.wasm.wasmPaths = '/ort/';
  const out: AgentReport[] = [];
  for (const spec of AGENTS) out.push(await check(spec, n));
  return out;
};
/** One ONNX model run on a batch in the page: every output as plain numbers. */
(globalThis as any).runOnnx = async (bytes: number[], obs: number[], n: number, dim: number): Promise<Record<string, number[]>> => {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/ort/';
  const session = await ort.InferenceSession.create(Uint8Array.from(bytes), { executionProviders: ['wasm'] });
  const r = await session.run({ obs: new ort.Tensor('float32', Float32Array.from(obs), [n, dim]) });
  const out = Object.fromEntries(session.outputNames.map((k) => [k, Array.from(r[k].data as ArrayLike<number | bigint>, Number)]));
  await session.release();
  return out;
};
(globalThis as any).exportCheckReady = true;
