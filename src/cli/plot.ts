/** `ascent plot <run-dir...> --out file.svg|png`: learning curves, mean and spread across runs. */
import { writeFileSync } from 'node:fs';
import { findRunDirs, groupCurves, loadCurve } from './plot/data.ts';
import { layoutPlot } from './plot/layout.ts';
import { renderSvg } from './plot/svg.ts';
import { renderRaster } from './plot/raster.ts';
import { encodePng } from '../util/image/png.ts';
import { ConfigError } from '../train/setup.ts';

export interface PlotFlags {
  out: string;
  x: string;
  y: string;
  width: number;
  height: number;
  title?: string;
  logY?: boolean;
}

const X_LABELS: Record<string, string> = { steps: 'environment steps', seconds: 'wall-clock seconds' };
const Y_LABELS: Record<string, string> = {
  returnMean: 'return (training episodes)',
  evalMean: 'greedy evaluation return',
};

export function plotCommand(paths: string[], f: PlotFlags): void {
  const fmt = /\.svg$/i.test(f.out) ? 'svg' : /\.png$/i.test(f.out) ? 'png' : null;
  if (!fmt) throw new ConfigError(`--out must end in .svg or .png, got '${f.out}'`);
  const runs = findRunDirs(paths).map((d) => loadCurve(d, f.x, f.y, f.logY));
  const empty = runs.filter((r) => r.xs.length === 0);
  if (empty.length === runs.length) throw new ConfigError(`plot: no '${f.y}' values logged in ${runs.map((r) => r.dir).join(', ')}`);
  const groups = groupCurves(runs);
  const title = f.title ?? (groups.length === 1 ? groups[0].label : 'learning curves');
  const layout = layoutPlot(groups, {
    width: f.width,
    height: f.height,
    title,
    xLabel: X_LABELS[f.x] ?? f.x,
    yLabel: f.logY ? `log10 ${Y_LABELS[f.y] ?? f.y}` : (Y_LABELS[f.y] ?? f.y),
  });
  if (fmt === 'svg') writeFileSync(f.out, renderSvg(layout));
  else {
    const cv = renderRaster(layout);
    writeFileSync(f.out, encodePng(cv.width, cv.height, cv.data));
  }
  process.stdout.write(
    `plotted ${runs.length} run${runs.length === 1 ? '' : 's'} in ${groups.length} group${groups.length === 1 ? '' : 's'} ` +
      `(${groups.map((g) => `${g.label}: ${g.runs.length}`).join('; ')}) to ${f.out}\n`,
  );
}
