/**
 * The README's CartPole-v1 table, measured: `ascent train <algo> CartPole-v1 --seed S` for each
 * algorithm and seed, one child process each, with the steps and greedy evaluation it printed, its
 * wall and CPU seconds and peak RSS (the child reports its own resource usage at exit), the CPU model
 * and the load average before and after, after building lib/. `npm run bench:readme` (about 2 minutes
 * of CPU) writes bench/results/readme-figures.json and prints the markdown table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const ALGOS = (process.env.ALGOS ?? 'ppo,trpo,reinforce').split(',');
const SEEDS = [0, 1, 2];
// Loaded into the child with --import: prints the child's own resource usage as its last stderr line.
const USAGE_HOOK =
  'data:text/javascript,' +
  encodeURIComponent(
    "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\nUSAGE ' + JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssMB: u.maxRSS / 1024 }) + '\\n'); });",
  );

interface Row {
  algo: string;
  seed: number;
  steps: number;
  wall: number;
  cpu: number;
  rssMB: number;
  evalMean: number;
  solved: boolean;
}

// Measure what a user runs: the compiled lib/ (a stale build would make `ascent` run src/ through tsx,
// about 30 MB more RSS and slower start-up).
const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');
const out = mkdtempSync(path.join(tmpdir(), 'ascent-readme-figures-'));
const load0 = loadavg();
const rows: Row[] = [];
for (const algo of ALGOS) {
  for (const seed of SEEDS) {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      ['--import', USAGE_HOOK, path.join(root, 'bin', 'ascent.mjs'), 'train', algo, 'CartPole-v1', '--seed', String(seed), '--out', out, '--plain'],
      { encoding: 'utf8' },
    );
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`ascent train ${algo} seed ${seed} exited ${r.status}: ${r.stderr}`);
    const usage = JSON.parse(/USAGE (.*)/.exec(r.stderr)![1]) as { cpu: number; maxRssMB: number };
    const steps = Number(/(\d+) steps, \d+ updates/.exec(r.stdout)?.[1]);
    const ev = /return (-?[\d.]+) ±/.exec(r.stdout);
    const row = { algo, seed, steps, wall, cpu: usage.cpu, rssMB: usage.maxRssMB, evalMean: Number(ev?.[1]), solved: /: solved\)/.test(r.stdout) };
    rows.push(row);
    console.log(
      `${algo} seed ${seed}: ${steps} steps, ${wall.toFixed(1)} s wall, ${usage.cpu.toFixed(1)} s CPU, ${usage.maxRssMB.toFixed(0)} MB, greedy ${row.evalMean}`,
    );
  }
}
rmSync(out, { recursive: true, force: true });
const load1 = loadavg();
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  loadBefore: load0.map((x) => +x.toFixed(2)),
  loadAfter: load1.map((x) => +x.toFixed(2)),
  date: new Date().toISOString(),
};

const fmt = (xs: number[], f: (x: number) => string) => xs.map(f).join(' / ');
console.log(`\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadBefore[0]} before, ${machine.loadAfter[0]} after\n`);
console.log('| algo | env steps to the threshold | wall seconds | CPU seconds | greedy evaluation | peak RSS |');
console.log('|---|---|---|---|---|---|');
for (const algo of ALGOS) {
  const rs = rows.filter((r) => r.algo === algo);
  const rss = rs.map((r) => r.rssMB);
  console.log(
    `| ${algo} | ${fmt(
      rs.map((r) => r.steps),
      (x) => x.toLocaleString('en-US'),
    )} | ${fmt(
      rs.map((r) => r.wall),
      (x) => x.toFixed(1),
    )} | ${fmt(
      rs.map((r) => r.cpu),
      (x) => x.toFixed(1),
    )} | ${fmt(
      rs.map((r) => r.evalMean),
      (x) => x.toFixed(0),
    )} | ${Math.min(...rss).toFixed(0)}-${Math.max(...rss).toFixed(0)} MB |`,
  );
}
const file = path.join(root, 'bench', 'results', 'readme-figures.json');
writeFileSync(file + '.tmp', JSON.stringify({ machine, rows }, null, 2) + '\n');
renameSync(file + '.tmp', file);
