// Our MJCF models, compiled by mujoco-js (MuJoCo 3.3.8), against the compiled arrays of Gymnasium
// 1.4.0's own models (MuJoCo 3.14.0) recorded in ../shared/golden/mujoco/model-facts.json. The
// models are compiled without the version corrections (the facts hold the margins as written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadMujoco, MjSim } from '../../../src/envs/mujoco/sim.ts';
import { MODELS } from '../../../src/envs/mujoco/models/index.ts';

const file = fileURLToPath(new URL('../../../../shared/golden/mujoco/model-facts.json', import.meta.url));
const facts = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { envs: Record<string, Record<string, unknown>> }).envs : null;

/** Facts this comparison leaves out, with the reason. */
const SKIP = new Set([
  'model_file',
  'gymnasium_default_camera_config', // an env setting (used by rendering), not a model array
  'names', // compared separately below
]);

function flat(v: unknown): number[] {
  if (Array.isArray(v)) return v.flatMap(flat);
  if (typeof v === 'boolean') return [v ? 1 : 0];
  if (typeof v === 'number') return [v];
  throw new Error(`unexpected fact value ${JSON.stringify(v)}`);
}

function read(sim: MjSim, key: string): number[] | null {
  const m = sim.model as unknown as Record<string, any>;
  const dotted = key.split('.');
  if (dotted.length > 1) {
    let o = m[dotted[0]];
    const handles = [o];
    // Python's mjModel.vis.global_ is vis.global in mujoco-js.
    for (const k of dotted.slice(1, -1)) handles.push((o = o[k] ?? o[k.replace(/_$/, '')]));
    const v = o[dotted[dotted.length - 1]];
    const out = ArrayBuffer.isView(v) || Array.isArray(v) ? Array.from(v as ArrayLike<number>) : [Number(v)];
    for (const h of handles.reverse()) h.delete();
    return out;
  }
  const v = m[key];
  if (typeof v === 'number') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  return null;
}

function names(sim: MjSim, kind: string, n: number): (string | null)[] {
  const m = sim.model as unknown as Record<string, any>;
  const adr = m[`name_${kind}adr`] as Int32Array;
  const buf = m.names as Int8Array;
  const out: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let j = adr[i]; buf[j] !== 0; j++) s += String.fromCharCode(buf[j]);
    out.push(s === '' ? null : s);
  }
  return out;
}

if (!facts) {
  test('MuJoCo model facts', { skip: `${file} not found: the comparison with Gymnasium's compiled models is skipped` }, () => {});
} else {
  await loadMujoco();
  for (const [id, xml] of Object.entries(MODELS)) {
    test(`${id}: our MJCF compiles to Gymnasium's model arrays`, () => {
      const f = facts[id];
      assert.ok(f, `model-facts.json has no entry for ${id}`);
      const sim = new MjSim(id, xml, { versionCorrections: false });
      try {
        const bad: string[] = [];
        for (const [key, value] of Object.entries(f)) {
          if (SKIP.has(key)) continue;
          const want = flat(value);
          const got = read(sim, key);
          if (got === null) {
            bad.push(`${key}: not readable from mujoco-js`);
            continue;
          }
          if (got.length !== want.length) {
            bad.push(`${key}: length ${got.length}, want ${want.length}`);
            continue;
          }
          for (let i = 0; i < want.length; i++) {
            const tol = 1e-12 + 1e-9 * Math.abs(want[i]);
            if (!(Math.abs(got[i] - want[i]) <= tol)) {
              bad.push(`${key}[${i}]: ${got[i]}, want ${want[i]}`);
              break;
            }
          }
        }
        const counts: Record<string, string> = { body: 'nbody', joint: 'njnt', geom: 'ngeom', site: 'nsite', actuator: 'nu', camera: 'ncam' };
        const want = f.names as Record<string, (string | null)[]>;
        for (const [kind, n] of Object.entries(counts)) {
          const got = names(sim, kind === 'joint' ? 'jnt' : kind === 'camera' ? 'cam' : kind, (sim.model as any)[n]);
          if (JSON.stringify(got) !== JSON.stringify(want[kind])) bad.push(`names.${kind}: ${JSON.stringify(got)}, want ${JSON.stringify(want[kind])}`);
        }
        assert.deepEqual(bad, [], `${id}: compiled model differs from model-facts.json`);
      } finally {
        sim.close();
      }
    });
  }
}
