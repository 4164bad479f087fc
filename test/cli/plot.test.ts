import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ascent, tempDir } from './helpers.ts';
import { decodePng } from '../../src/cli/png.ts';
import { COLORS, plotArea } from '../../src/cli/plot/layout.ts';

/** Synthetic runs (config.json + progress.jsonl) so the curves are known exactly. */
function fakeRun(root: string, name: string, algo: string, slope: number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ algo, env: 'CartPole-v1', config: {}, run: {} }));
  const rows = Array.from({ length: 20 }, (_, i) => ({ iteration: i + 1, steps: (i + 1) * 1000, seconds: (i + 1) * 0.5, returnMean: 10 + slope * i, evalMean: i % 5 === 4 ? 20 + slope * i : null }));
  writeFileSync(join(dir, 'progress.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return dir;
}

const cwd = tempDir();
const runs = [fakeRun(cwd, 'r1', 'reinforce', 5), fakeRun(cwd, 'r2', 'reinforce', 7), fakeRun(cwd, 'p1', 'ppo', 20)];

test('plot writes an SVG with axes, one curve per run, and a mean with spread per algo+env group', () => {
  const r = ascent(['plot', ...runs, '--out', 'curves.svg', '--width', '640', '--height', '400'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /plotted 3 runs in 2 groups \(reinforce CartPole-v1: 2; ppo CartPole-v1: 1\)/);
  const svg = readFileSync(join(cwd, 'curves.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="400"/);
  assert.equal((svg.match(/class="axis x"/g) ?? []).length, 1);
  assert.equal((svg.match(/class="axis y"/g) ?? []).length, 1);
  assert.equal((svg.match(/class="run"/g) ?? []).length, 3);
  assert.deepEqual([...svg.matchAll(/data-run="([^"]+)"/g)].map((m) => m[1]), ['r1', 'r2', 'p1']);
  assert.equal((svg.match(/class="mean"/g) ?? []).length, 2);
  assert.equal((svg.match(/class="spread"/g) ?? []).length, 2);
  assert.match(svg, /reinforce CartPole-v1 \(2 runs, mean ± std\)/);
  assert.match(svg, /ppo CartPole-v1 \(1 run\)</);
  assert.match(svg, /environment steps/);
  for (const tick of ['0', '5k', '10k', '15k', '20k']) assert.match(svg, new RegExp(`class="tick x"[^>]*>${tick}<`));
  // The y axis covers the data: the highest return is 10 + 20 * 19 = 390.
  assert.match(svg, /class="tick y"[^>]*>400</);
  // The mean of the two REINFORCE runs at the last step is (10 + 95 + 10 + 133) / 2 = 124: the path's last point sits at that height.
  const ticks = [...svg.matchAll(/class="tick y" x="[\d.]+" y="([\d.]+)"[^>]*>(-?[\d.k]+)</g)].map((m) => [Number(m[1]) - 4, Number(m[2])]);
  const [[p0, v0], [p1, v1]] = [ticks[0], ticks[ticks.length - 1]];
  const meanPath = /class="mean" d="([^"]+)"/.exec(svg)![1];
  const lastY = Number(meanPath.split(',').at(-1));
  assert.ok(Math.abs(v0 + ((lastY - p0) * (v1 - v0)) / (p1 - p0) - 124) < 0.5, `mean at the end ${lastY}`);
});

test('plot writes a PNG of the requested size with axes and each group\'s colour', () => {
  const r = ascent(['plot', ...runs, '--out', 'curves.png', '--width', '640', '--height', '400', '--x', 'seconds', '--y', 'evalMean'], cwd);
  assert.equal(r.code, 0, r.stderr);
  const { width, height, rgb } = decodePng(new Uint8Array(readFileSync(join(cwd, 'curves.png'))));
  assert.deepEqual([width, height], [640, 400]);
  const px = (x: number, y: number) => [rgb[(y * width + x) * 3], rgb[(y * width + x) * 3 + 1], rgb[(y * width + x) * 3 + 2]];
  // Axes: black lines along the left and bottom edges of the plot area.
  const a = plotArea(640, 400, 2);
  for (let y = a.y0 + 5; y < a.y1; y += 15) assert.deepEqual(px(a.x0, y), [0, 0, 0], `y axis at row ${y}`);
  for (let x = a.x0 + 5; x < a.x1; x += 25) assert.deepEqual(px(x, a.y1), [0, 0, 0], `x axis at column ${x}`);
  const count = (c: number[]) => { let n = 0; for (let i = 0; i < rgb.length; i += 3) if (rgb[i] === c[0] && rgb[i + 1] === c[1] && rgb[i + 2] === c[2]) n++; return n; };
  assert.ok(count(COLORS[0]) > 300, 'the REINFORCE mean line');
  assert.ok(count(COLORS[1]) > 300, 'the PPO mean line');
  assert.equal(count(COLORS[2]), 0, 'no third group');
  assert.ok(count([255, 255, 255]) > width * height * 0.5, 'mostly background');
});

test('plot finds runs inside a parent directory', () => {
  const r = ascent(['plot', cwd, '--out', 'all.svg'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /plotted 3 runs in 2 groups/);
});

test('the mean and spread cover only the steps every run of the group reached', async () => {
  const { groupCurves } = await import('../../src/cli/plot/data.ts');
  const run = (name: string, n: number, y: number) => ({ dir: name, name, algo: 'a', env: 'E-v0', xs: Array.from({ length: n }, (_, i) => (i + 1) * 10), ys: Array(n).fill(y) });
  const [g] = groupCurves([run('long', 10, 1), run('short', 4, 3)], 5);
  assert.deepEqual(g.grid, [10, 17.5, 25, 32.5, 40]);
  assert.deepEqual(g.mean, [2, 2, 2, 2, 2]);
  assert.deepEqual(g.std, [1, 1, 1, 1, 1]);
});

test('plot takes any numeric column as x and can plot log10 of y (the model-based diagnostics against horizon)', () => {
  const root = tempDir();
  for (const [name, scale] of [['pathwise', 1], ['likelihood-ratio', 100]] as const) {
    const d = join(root, name);
    mkdirSync(d);
    writeFileSync(join(d, 'config.json'), JSON.stringify({ algo: name, env: 'Pendulum-v1 model' }));
    writeFileSync(join(d, 'progress.jsonl'), [1, 2, 5, 10].map((h) => JSON.stringify({ horizon: h, totalVariance: scale * h * h })).join('\n') + '\n');
  }
  const out = join(root, 'g.svg');
  const r = ascent(['plot', root, '--x', 'horizon', '--y', 'totalVariance', '--log-y', '--out', out], root);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /plotted 2 runs in 2 groups/);
  const svg = readFileSync(out, 'utf8');
  assert.match(svg, /log10 totalVariance/);
  assert.match(svg, />horizon</);
  const bad = ascent(['plot', root, '--x', 'depth', '--out', out], root);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /has no column 'depth'; columns: horizon, totalVariance/);
});

test('plot skips a torn last progress line with a warning naming the file and line; a bad line elsewhere is an error naming both', async () => {
  const { appendFileSync } = await import('node:fs');
  const root = tempDir();
  const dir = fakeRun(root, 'torn', 'reinforce', 5);
  // A full disk cut the 21st row short.
  appendFileSync(join(dir, 'progress.jsonl'), '{"iteration":21,"steps":21000,"seconds":10.5,"retu');
  const r = ascent(['plot', dir, '--out', 'torn.svg'], root);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /plotted 1 run in 1 group/);
  assert.equal(r.stderr, `ascent: warning: ${join(dir, 'progress.jsonl')} line 21: skipped a torn last line (an incomplete write: the disk filled up or the process was killed)\n`);
  const svg = readFileSync(join(root, 'torn.svg'), 'utf8');
  assert.match(svg, /class="tick x"[^>]*>20k</);

  // The same damage followed by more rows is not a torn write: refuse, naming the file and the line.
  appendFileSync(join(dir, 'progress.jsonl'), '\n{"iteration":22,"steps":22000,"returnMean":1}\n');
  const bad = ascent(['plot', dir, '--out', 'bad.svg'], root);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, new RegExp(`^ascent: error: ${join(dir, 'progress.jsonl').replace(/[.]/g, '\\.')} line 21 is not valid JSON \\(`));
});
