import test from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ascent, tempDir } from './helpers.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
import { decodePng } from '../../src/util/image/png.ts';
import { COLORS, layoutPlot } from '../../src/cli/plot/layout.ts';
import { groupCurves, loadCurve } from '../../src/cli/plot/data.ts';

/** Synthetic runs (config.json + progress.jsonl) so the curves are known exactly. */
function fakeRun(root: string, name: string, algo: string, slope: number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ algo, env: 'CartPole-v1', config: {}, run: {} }));
  const rows = Array.from({ length: 20 }, (_, i) => ({
    iteration: i + 1,
    steps: (i + 1) * 1000,
    seconds: (i + 1) * 0.5,
    returnMean: 10 + slope * i,
    evalMean: i % 5 === 4 ? 20 + slope * i : null,
  }));
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
  assert.deepEqual(
    [...svg.matchAll(/data-run="([^"]+)"/g)].map((m) => m[1]),
    ['r1', 'r2', 'p1'],
  );
  assert.equal((svg.match(/class="mean"/g) ?? []).length, 2);
  assert.equal((svg.match(/class="spread"/g) ?? []).length, 2);
  assert.match(svg, /class="legend" data-text="reinforce CartPole-v1: 2 runs, mean ± std"/);
  assert.match(svg, /class="legend" data-text="ppo CartPole-v1: 1 run"/);
  assert.match(svg, /data-text="environment steps"/);
  for (const tick of ['0', '5k', '10k', '15k', '20k']) assert.match(svg, new RegExp(`class="tick x" data-text="${tick}"`));
  // The y axis covers the data: the highest return is 10 + 20 * 19 = 390.
  assert.match(svg, /class="tick y" data-text="400"/);
  // The mean of the two REINFORCE runs at the last step is (10 + 95 + 10 + 133) / 2 = 124: the path's last point sits at that height.
  // Tick labels are placed with their cap height (7 font pixels at scale 2) centred on the tick.
  const ticks = [...svg.matchAll(/class="tick y" data-text="(-?[\d.k]+)" aria-label="[^"]*" transform="translate\([\d.]+,([\d.]+)\)"/g)].map((m) => [
    Number(m[2]) + 7,
    Number(m[1]),
  ]);
  const [[p0, v0], [p1, v1]] = [ticks[0], ticks[ticks.length - 1]];
  const meanPath = /class="mean" d="([^"]+)"/.exec(svg)![1];
  const lastY = Number(meanPath.split(',').at(-1));
  assert.ok(Math.abs(v0 + ((lastY - p0) * (v1 - v0)) / (p1 - p0) - 124) < 0.5, `mean at the end ${lastY}`);
});

test("plot writes a PNG of the requested size with axes and each group's colour", () => {
  const r = ascent(['plot', ...runs, '--out', 'curves.png', '--width', '640', '--height', '400', '--x', 'seconds', '--y', 'evalMean'], cwd);
  assert.equal(r.code, 0, r.stderr);
  const { width, height, rgb } = decodePng(new Uint8Array(readFileSync(join(cwd, 'curves.png'))));
  assert.deepEqual([width, height], [640, 400]);
  const px = (x: number, y: number) => [rgb[(y * width + x) * 3], rgb[(y * width + x) * 3 + 1], rgb[(y * width + x) * 3 + 2]];
  // Axes: black lines along the left and bottom edges of the plot area.
  const groups = groupCurves(runs.map((d) => loadCurve(d, 'seconds', 'evalMean')));
  const a = layoutPlot(groups, { width: 640, height: 400, title: 'learning curves', xLabel: 'wall-clock seconds', yLabel: 'greedy evaluation return' })
    .panels[0].area;
  for (let y = a.y0 + 5; y < a.y1; y += 15) assert.deepEqual(px(a.x0, y), [0, 0, 0], `y axis at row ${y}`);
  for (let x = a.x0 + 5; x < a.x1; x += 25) assert.deepEqual(px(x, a.y1), [0, 0, 0], `x axis at column ${x}`);
  const count = (c: number[]) => {
    let n = 0;
    for (let i = 0; i < rgb.length; i += 3) if (rgb[i] === c[0] && rgb[i + 1] === c[1] && rgb[i + 2] === c[2]) n++;
    return n;
  };
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
  const run = (name: string, n: number, y: number) => ({
    dir: name,
    name,
    algo: 'a',
    env: 'E-v0',
    failed: false,
    xs: Array.from({ length: n }, (_, i) => (i + 1) * 10),
    ys: Array(n).fill(y),
  });
  const [g] = groupCurves([run('long', 10, 1), run('short', 4, 3)], 5);
  assert.deepEqual(g.grid, [10, 17.5, 25, 32.5, 40]);
  assert.deepEqual(g.mean, [2, 2, 2, 2, 2]);
  assert.deepEqual(g.std, [1, 1, 1, 1, 1]);
});

test('plot takes any numeric column as x and can plot log10 of y (the model-based diagnostics against horizon)', () => {
  const root = tempDir();
  for (const [name, scale] of [
    ['pathwise', 1],
    ['likelihood-ratio', 100],
  ] as const) {
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
  assert.match(svg, /data-text="horizon"/);
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
  assert.equal(
    r.stderr,
    `ascent: warning: ${join(dir, 'progress.jsonl')} line 21: skipped a torn last line (an incomplete write: the disk filled up or the process was killed)\n`,
  );
  const svg = readFileSync(join(root, 'torn.svg'), 'utf8');
  assert.match(svg, /class="tick x" data-text="20k"/);

  // The same damage followed by more rows is not a torn write: refuse, naming the file and the line.
  appendFileSync(join(dir, 'progress.jsonl'), '\n{"iteration":22,"steps":22000,"returnMean":1}\n');
  const bad = ascent(['plot', dir, '--out', 'bad.svg'], root);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, new RegExp(`^ascent: error: ${join(dir, 'progress.jsonl').replace(/[.]/g, '\\.')} line 21 is not valid JSON \\(`));
});

/** A run of `env` with returns y0 + slope * i over n updates; `state` goes to status.json. */
function envRun(root: string, name: string, algo: string, env: string, n: number, y0: number, slope: number, state = 'finished'): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ algo, env, config: {}, run: {} }));
  writeFileSync(join(dir, 'status.json'), JSON.stringify({ state, steps: n * 1000, totalSteps: 1e5, updatedAt: new Date().toISOString() }));
  const rows = Array.from({ length: n }, (_, i) => ({ iteration: i + 1, steps: (i + 1) * 1000, seconds: i, returnMean: y0 + slope * i }));
  writeFileSync(join(dir, 'progress.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return dir;
}

test('runs of different envs get one panel each, with their own y axis', () => {
  const root = tempDir();
  envRun(root, 'cp0', 'ppo', 'CartPole-v1', 20, 20, 20);
  envRun(root, 'cp1', 'trpo', 'CartPole-v1', 20, 20, 15);
  envRun(root, 'pd0', 'ppo', 'Pendulum-v1', 20, -1500, 50);
  const r = ascent(['plot', root, '--out', 'f.svg'], root);
  assert.equal(r.code, 0, r.stderr);
  const svg = readFileSync(join(root, 'f.svg'), 'utf8');
  assert.deepEqual(
    [...svg.matchAll(/class="panel" data-env="([^"]+)"/g)].map((m) => m[1]),
    ['CartPole-v1', 'Pendulum-v1'],
  );
  assert.deepEqual(
    [...svg.matchAll(/class="panel-title" data-text="([^"]+)"/g)].map((m) => m[1]),
    ['CartPole-v1', 'Pendulum-v1'],
  );
  assert.equal((svg.match(/class="axis y"/g) ?? []).length, 2);
  // CartPole's axis is not flattened by Pendulum's -1.5k: its ticks stay within 0..400.
  const cartPole = svg.slice(0, svg.indexOf('data-env="Pendulum-v1"'));
  assert.doesNotMatch(cartPole, /class="tick y"/, 'tick labels are drawn after the panels');
  const yTicks = [...svg.matchAll(/class="tick y" data-text="([^"]+)"/g)].map((m) => m[1]);
  const cut = yTicks.indexOf('-1.6k');
  assert.deepEqual(yTicks.slice(0, cut), ['0', '50', '100', '150', '200', '250', '300', '350', '400']);
  assert.ok(
    yTicks.slice(cut).every((t) => t.startsWith('-')),
    yTicks.join(' '),
  );
  // Colours by algorithm, the same in every panel; legends name the algorithm (the env is the panel's title).
  assert.match(svg, /class="legend" data-text="ppo: 1 run"/);
  assert.match(svg, /class="legend" data-text="trpo: 1 run"/);

  const p = ascent(['plot', root, '--out', 'f.png', '--width', '900', '--height', '420'], root);
  assert.equal(p.code, 0, p.stderr);
  // Kept for a look: test-artifacts/plot-panels.png (and the default-size figure of the test below).
  mkdirSync(ARTIFACTS, { recursive: true });
  copyFileSync(join(root, 'f.png'), join(ARTIFACTS, 'plot-panels.png'));
  const { width, height, rgb } = decodePng(new Uint8Array(readFileSync(join(root, 'f.png'))));
  assert.deepEqual([width, height], [900, 420]);
  const groups = groupCurves([join(root, 'cp0'), join(root, 'cp1'), join(root, 'pd0')].map((d) => loadCurve(d, 'steps', 'returnMean')));
  const panels = layoutPlot(groups, {
    width: 900,
    height: 420,
    title: 'learning curves',
    xLabel: 'environment steps',
    yLabel: 'return (training episodes)',
  }).panels;
  assert.equal(panels.length, 2);
  assert.ok(panels[0].area.x1 < panels[1].area.x0, 'side by side');
  const px = (x: number, y: number) => [...rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
  for (const { area } of panels) {
    for (let y = area.y0 + 5; y < area.y1; y += 20) assert.deepEqual(px(Math.round(area.x0), y), [0, 0, 0], `y axis at ${area.x0},${y}`);
  }
});

test('a failed run is marked at its last point; the legend says where the mean stops when runs end apart', () => {
  const root = tempDir();
  envRun(root, 'a', 'ppo', 'CartPole-v1', 20, 10, 10);
  envRun(root, 'b', 'ppo', 'CartPole-v1', 12, 10, 12, 'failed');
  const r = ascent(['plot', root, '--out', 'm.svg'], root);
  assert.equal(r.code, 0, r.stderr);
  const svg = readFileSync(join(root, 'm.svg'), 'utf8');
  // The legend wraps to the panel's width.
  const legend = [...svg.matchAll(/class="legend" data-text="([^"]+)"/g)].map((m) => m[1]).join(' ');
  assert.equal(legend, 'ppo CartPole-v1: 2 runs, mean ± std to 12k (shortest run); 1 failed ×');
  const marks = [...svg.matchAll(/class="failed" data-run="([^"]+)" d="M([\d.]+),([\d.]+)/g)];
  assert.deepEqual(
    marks.map((m) => m[1]),
    ['b'],
  );
  // The cross is centred on the run's last point.
  const run = /class="run" data-run="b" d="([^"]+)"/.exec(svg)![1].split('L').at(-1)!.split(',').map(Number);
  assert.ok(Math.abs(Number(marks[0][2]) + 5 - run[0]) < 0.1 && Math.abs(Number(marks[0][3]) + 5 - run[1]) < 0.1);
  // The PNG draws the cross in the group's colour around the same point.
  ascent(['plot', root, '--out', 'm.png'], root);
  mkdirSync(ARTIFACTS, { recursive: true });
  copyFileSync(join(root, 'm.png'), join(ARTIFACTS, 'plot-failed-run.png'));
  const { width, rgb } = decodePng(new Uint8Array(readFileSync(join(root, 'm.png'))));
  const [cx, cy] = [Math.round(run[0]), Math.round(run[1])];
  const at = (x: number, y: number) => [...rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
  assert.deepEqual(at(cx - 4, cy - 4), COLORS[0]);
  assert.deepEqual(at(cx + 4, cy + 4), COLORS[0]);
  assert.deepEqual(at(cx - 4, cy + 4), COLORS[0]);
});

test('PNG and SVG draw text with the same typeface: the same pixels, lower case included', async () => {
  const { glyph } = await import('../../src/cli/plot/font.ts');
  assert.notDeepEqual(glyph('a'), glyph('A'));
  assert.ok(
    glyph('g')
      .slice(7)
      .some((row) => row !== 0),
    'g descends below the baseline',
  );
  const root = tempDir();
  envRun(root, 'a', 'ppo', 'CartPole-v1', 10, 10, 10);
  ascent(['plot', root, '--out', 't.svg', '--title', 'Readable title'], root);
  ascent(['plot', root, '--out', 't.png', '--title', 'Readable title'], root);
  const svg = readFileSync(join(root, 't.svg'), 'utf8');
  assert.doesNotMatch(svg, /<text|font-family/);
  const m = /class="title" data-text="Readable title" aria-label="[^"]*" transform="translate\((\d+),(\d+)\)" d="([^"]+)"/.exec(svg)!;
  const rects = [...m[3].matchAll(/M(\d+),(\d+)h(\d+)v(\d+)/g)].map((r) => r.slice(1).map(Number));
  const { width, rgb } = decodePng(new Uint8Array(readFileSync(join(root, 't.png'))));
  const black = (x: number, y: number) => rgb[(y * width + x) * 3] === 0 && rgb[(y * width + x) * 3 + 1] === 0 && rgb[(y * width + x) * 3 + 2] === 0;
  let area = 0;
  for (const [x, y, w, h] of rects) {
    area += w * h;
    for (let dy = 0; dy < h; dy++)
      for (let dx = 0; dx < w; dx++) assert.ok(black(Number(m[1]) + x + dx, Number(m[2]) + y + dy), `title pixel ${x + dx},${y + dy}`);
  }
  let inked = 0;
  for (let y = 0; y < 34; y++) for (let x = 0; x < width; x++) if (black(x, y)) inked++;
  assert.equal(inked, area, 'no other ink in the title band');
});
