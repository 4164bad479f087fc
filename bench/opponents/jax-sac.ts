// JAX-on-CPU opponent for the SAC update bench (issue 12): runs bench/opponents/jax_sac.py in a
// Python that has jax (a virtual environment made with `python3 -m venv /tmp/jaxvenv &&
// /tmp/jaxvenv/bin/pip install jax`, or JAX_PYTHON=/path/to/python), kept alive as a server so that
// its samples interleave with Ascent's. Unavailable (with the reason) when no such Python is found.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAC, type SacWorkload } from '../engine/sac-workload.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jax_sac.py');

/** The Python to use, or why there is none. */
export function findJaxPython(): { python: string } | { reason: string } {
  const candidates = [process.env.JAX_PYTHON, '/tmp/jaxvenv/bin/python', 'python3'].filter((p): p is string => !!p);
  for (const py of candidates) {
    if (py.includes('/') && !existsSync(py)) continue;
    const r = spawnSync(py, ['-c', 'import jax; print(jax.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python: py };
  }
  return {
    reason: `no Python with jax among ${candidates.join(', ')} (make one: python3 -m venv /tmp/jaxvenv && /tmp/jaxvenv/bin/pip install jax; or set JAX_PYTHON)`,
  };
}

export interface JaxSac {
  /** Losses of the first update from the initial state, and jax's version and devices. */
  first: { criticLoss: number; actorLoss: number; jax: string; devices: string[] };
  /** Losses after n updates from the initial state. */
  lossesAfter(n: number): Promise<{ criticLoss: number; actorLoss: number }>;
  /** Runs n updates; wall and CPU seconds (all of the Python process's threads). */
  run(n: number): Promise<{ wall: number; cpu: number }>;
  close(): void;
}

export async function startJaxSac(python: string, w: SacWorkload): Promise<JaxSac> {
  const child: ChildProcessWithoutNullStreams = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`jax_sac.py ended early:\n${stderr.slice(-2000)}`);
    return JSON.parse(r.value);
  };
  const arr = (a: Float32Array) => Array.from(a);
  child.stdin.write(
    JSON.stringify({
      size: w.size,
      constants: SAC,
      actor: w.actor.map(arr),
      q1: w.q1.map(arr),
      q2: w.q2.map(arr),
      data: Object.fromEntries(Object.entries(w.data).map(([k, v]) => [k, arr(v)])),
    }) + '\n',
  );
  const first = await next();
  return {
    first,
    async lossesAfter(n) {
      child.stdin.write(`losses ${n}\n`);
      return next();
    },
    async run(n) {
      child.stdin.write(`run ${n}\n`);
      return next();
    },
    close() {
      child.stdin.end('quit\n');
    },
  };
}
