// Issue 12's PPO target, "an update at batch 64 at least 2x faster than today's": the engine bench's
// PPO minibatch update (bench/engine/ascent.ts: MLP 4-64-64 tanh trunk, policy and value heads,
// clipped surrogate + value + entropy, Adam) of this tree against the same update of an earlier
// commit, both loaded in this process, same weights and data, samples alternated so machine load
// falls on both alike. CPU time (process.cpuUsage) and wall time per update, medians.
//   node --import tsx bench/engine-ppo.ts [--before <commit>] [--batches 64,512] [--rounds 25]
// The earlier tree is `git archive <commit> src bench` in a temporary directory (default commit:
// 1660bbe, the engine when this work began, which measured the issue's ~156-158 us). Writes
// bench/results/engine-ppo-before-after.json.
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ascentPpoUpdate } from './engine/ascent.ts';
import { initParams } from './opponents/workload.ts';
import { kernelInfo } from '../src/tensor/index.ts';
import { median } from './measure.ts';

const { values: args } = parseArgs({
  options: { before: { type: 'string', default: '1660bbe' }, batches: { type: 'string', default: '64,512' }, rounds: { type: 'string', default: '25' } },
});
const batches = args.batches!.split(',').map(Number);
const rounds = Number(args.rounds);
if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new Error(`--batches: expected positive integers separated by commas, got '${args.batches}'`);
if (!Number.isInteger(rounds) || rounds < 3) throw new Error(`--rounds: expected an integer >= 3, got '${args.rounds}'`);

const root = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ascent-before-'));
const SEED = 7;
try {
  const commit = execSync(`git rev-parse --short ${args.before}`, { cwd: root, encoding: 'utf8' }).trim();
  execSync(`git archive ${commit} src bench | tar -x -C ${dir}`, { cwd: root });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const before = (await import(pathToFileURL(path.join(dir, 'bench/engine/ascent.ts')).href)) as { ascentPpoUpdate: typeof ascentPpoUpdate };

  const cpuUs = () => {
    const c = process.cpuUsage();
    return c.user + c.system;
  };
  console.log(
    `PPO update, this tree vs ${commit}, on ${os.cpus()[0]?.model} (${os.cpus().length} cores), node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1))}`,
  );
  const rows = [];
  for (const batch of batches) {
    const params = initParams(SEED);
    const fns = { before: before.ascentPpoUpdate(batch, SEED, params), after: ascentPpoUpdate(batch, SEED, params) };
    const first = { before: fns.before(), after: fns.after() };
    if (Math.abs(first.before - first.after) > 1e-5 * Math.max(1, Math.abs(first.before))) {
      throw new Error(`B=${batch}: the first losses differ: before ${first.before}, after ${first.after}`);
    }
    // Same data and weights: after 100 updates the parameters agree to float32 rounding (the fused
    // loss rounds once where the op chain rounded at every op). Thousands of Adam steps on one
    // minibatch later they drift apart (5e-3 after 5000: elements whose tiny gradients change sign).
    for (let i = 1; i < 100; i++) fns.before(), fns.after();
    const [pb, pa] = [await fns.before.readParams(), await fns.after.readParams()];
    let maxDiff = 0;
    pb.forEach((b, i) => b.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - pa[i][j])))));
    if (!(maxDiff < 1e-5)) throw new Error(`B=${batch}: after 100 updates the parameters differ by ${maxDiff}`);
    // Calls per sample: about 20 ms of the slower one.
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) fns.before();
    const per = Math.max(5, Math.round(20 / ((performance.now() - t0) / 50)));
    for (let i = 0; i < 4 * per; i++) fns.before(), fns.after();
    const cpu: Record<string, number[]> = { before: [], after: [] },
      wall: Record<string, number[]> = { before: [], after: [] };
    for (let r = 0; r < rounds; r++) {
      for (const k of (r % 2 ? ['after', 'before'] : ['before', 'after']) as ('before' | 'after')[]) {
        const c0 = cpuUs(),
          w0 = performance.now();
        for (let i = 0; i < per; i++) fns[k]();
        wall[k].push(((performance.now() - w0) * 1000) / per);
        cpu[k].push((cpuUs() - c0) / per);
      }
    }
    const row = {
      batch,
      updatesPerSample: per,
      rounds,
      cpuUs: { before: median(cpu.before), after: median(cpu.after) },
      wallUs: { before: median(wall.before), after: median(wall.after) },
      speedup: { cpu: median(cpu.before) / median(cpu.after), wall: median(wall.before) / median(wall.after) },
      maxParamDiffAfter100Updates: maxDiff,
    };
    rows.push(row);
    console.log(
      `B=${String(batch).padEnd(5)} before ${row.cpuUs.before.toFixed(1)} us CPU (${row.wallUs.before.toFixed(1)} wall) | ` +
        `after ${row.cpuUs.after.toFixed(1)} us CPU (${row.wallUs.after.toFixed(1)} wall) | x${row.speedup.cpu.toFixed(2)} CPU, x${row.speedup.wall.toFixed(2)} wall | ` +
        `max |param diff| after 100 updates ${maxDiff.toExponential(1)}`,
    );
  }
  const out = {
    bench: 'engine-ppo-before-after',
    date: new Date().toISOString(),
    command: `node --import tsx bench/engine-ppo.ts --before ${args.before} --batches ${args.batches} --rounds ${rounds}`,
    before: commit,
    after:
      execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim() +
      (execSync('git status --porcelain src/tensor src/nn bench/engine', { cwd: root, encoding: 'utf8' }).trim() ? ' (+ uncommitted changes)' : ''),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadavgAtEnd: os.loadavg() },
    kernels: kernelInfo(),
    rows,
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const file = path.join(root, 'bench/results/engine-ppo-before-after.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(out, null, 2));
  renameSync(`${file}.tmp`, file);
  console.log('wrote bench/results/engine-ppo-before-after.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
