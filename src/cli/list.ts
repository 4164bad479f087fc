/** `ascent list`: algorithms, environments and presets. */
import { ALGORITHMS } from '../algos/index.ts';
import { registeredIds } from '../envs/index.ts';
import { describeEnv } from '../train/setup.ts';
import { loadPresets } from '../train/node/presets.ts';
import { ConfigError } from '../train/setup.ts';

/** Left-aligned columns; the last column is not padded. */
function table(cols: string[], rows: string[][]): string {
  const w = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === cells.length - 1 ? c : c.padEnd(w[j]))).join('  ');
  return [line(cols), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

export function listCommand(opts: { json?: boolean }): void {
  const algos = Object.values(ALGORITHMS).map((a) => ({ name: a.name, actionSpaces: a.actionSpaces, description: a.description }));
  const envs = registeredIds().map(describeEnv);
  let presets;
  try {
    presets = loadPresets().map((p) => ({ algo: p.algo, env: p.env, source: p.source, file: p.file }));
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ algorithms: algos, environments: envs, presets }, null, 1) + '\n');
    return;
  }
  const out: string[] = ['Algorithms', table(['name', 'actions', 'description'], algos.map((a) => [a.name, a.actionSpaces.join('+'), a.description])), ''];
  out.push('Environments', table(['id', 'observation', 'action', 'max steps', 'threshold'], envs.map((e) => [
    e.id, e.observation, e.action, e.maxEpisodeSteps === null ? '-' : String(e.maxEpisodeSteps), e.rewardThreshold === null ? '-' : String(e.rewardThreshold),
  ])), '');
  out.push('Presets (ascent train <algo> <env> uses them)', presets.length
    ? table(['algo', 'env', 'source'], presets.map((p) => [p.algo, p.env, p.source]))
    : '(none)');
  process.stdout.write(out.join('\n') + '\n');
}
