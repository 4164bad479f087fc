/**
 * Sweep throughput (issue 15): the same 4-job sweep (PPO on CartPole-v1, its preset with 2 epochs,
 * 2 learning rates x 2 seeds) run on this machine with --jobs 1 and 2, and on a private Redis with 1
 * and 2 `ascent worker`s (started before the clock starts). Reports wall time, jobs per minute, the
 * speed-up over one local job at a time, the queue's overhead (Redis with 1 worker against local
 * --jobs 1), and whether every mode produced the same final returns (they must: same seeds).
 *
 *   node --import tsx bench/distributed-sweep.ts [--steps 20480] [--out bench/results/distributed-sweep.json]
 *
 * Each job is its own `ascent train` process (about 4 s of start-up from TypeScript sources here),
 * so short jobs measure start-up as much as training.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestRedis } from '../test/distributed/redis-server.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const steps = Number(arg('--steps', '20480'));
const out = arg('--out', '');
const BIN = fileURLToPath(new URL('../bin/ascent.mjs', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'ascent-bench-sweep-'));
writeFileSync(
  join(cwd, 'b.yaml'),
  `algo: ppo\nenv: CartPole-v1\nsteps: ${steps}\nseeds: 2\nset: { epochs: 2 }\nparams:\n  lr: [1.0e-3, 3.0e-4]\nrun: { evalEvery: 0, evalEpisodes: 5, threshold: none }\n`,
);

/** Final returns by job key, from `ascent sweep status --json`. */
function finals(args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, [BIN, 'sweep', 'status', 'b.yaml', '--json', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const rs: { key: string; final: { mean: number } }[] = JSON.parse(r.stdout).results;
  return Object.fromEntries(rs.map((x) => [x.key, x.final.mean]).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function local(jobs: number): { seconds: number; finals: Record<string, number> } {
  const o = `local-${jobs}`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'sweep', 'b.yaml', '--jobs', String(jobs), '--out', o], { cwd, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(r.stderr);
  return { seconds, finals: finals(['--out', o]) };
}

async function queued(workers: number): Promise<{ seconds: number; finals: Record<string, number> }> {
  const redis = await TestRedis.start();
  try {
    const ws = Array.from({ length: workers }, (_, i) =>
      spawn(process.execPath, [BIN, 'worker', '--redis', redis.url, '--out', `w${workers}-${i}`], { cwd, stdio: ['ignore', 'ignore', 'pipe'] }),
    );
    // Wait until every worker has connected (its first line), so their start-up is not timed.
    await Promise.all(ws.map((w) => new Promise((r) => w.stderr!.once('data', r))));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'sweep', 'b.yaml', '--redis', redis.url, '--out', `q-${workers}`], { cwd, encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(r.stderr);
    await Promise.all(ws.map((w) => new Promise((res) => (w.on('exit', res), w.kill('SIGTERM')))));
    return { seconds, finals: finals(['--redis', redis.url]) };
  } finally {
    await redis.stop();
  }
}

const load0 = loadavg()[0];
const rows: { mode: string; seconds: number; finals: Record<string, number> }[] = [];
for (const [mode, run] of [
  ['local --jobs 1', () => local(1)],
  ['local --jobs 2', () => local(2)],
  ['redis, 1 worker', () => queued(1)],
  ['redis, 2 workers', () => queued(2)],
] as const) {
  const r = await run();
  rows.push({ mode, ...r });
  process.stderr.write(`${mode}: ${r.seconds.toFixed(1)} s\n`);
}
const base = rows[0].seconds;
const same = rows.every((r) => JSON.stringify(r.finals) === JSON.stringify(rows[0].finals));
console.log(
  `sweep of 4 jobs x ${steps} steps (PPO CartPole-v1, 2 epochs); ${cpus().length} x ${cpus()[0]?.model}; load ${load0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`,
);
console.log('mode               wall s   jobs/min   speed-up vs local --jobs 1');
for (const r of rows)
  console.log(
    `${r.mode.padEnd(18)} ${r.seconds.toFixed(1).padStart(6)}   ${((4 / r.seconds) * 60).toFixed(1).padStart(8)}   ${(base / r.seconds).toFixed(2)}x`,
  );
console.log(
  `queue overhead (redis 1 worker / local --jobs 1): ${(rows[2].seconds / base).toFixed(2)}x; identical final returns in every mode: ${same ? 'yes' : 'NO'}`,
);
if (out)
  writeFileSync(
    out,
    JSON.stringify(
      { steps, jobs: 4, cpu: cpus()[0]?.model, cores: cpus().length, loadavg: [load0, loadavg()[0]], rows, identical: same, date: new Date().toISOString() },
      null,
      1,
    ) + '\n',
  );
