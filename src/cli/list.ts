/** `ascent list`: algorithms, environments and presets. */
import { ALGORITHMS } from '../algos/index.ts';
import { loadAllEnvs, registeredIds } from '../envs/index.ts';
import { describeEnv } from '../train/setup.ts';
import { loadPresets } from '../train/node/presets.ts';
import { presetThreshold } from '../train/presets.ts';
import { ConfigError } from '../train/setup.ts';
import { truncate } from '../util/names.ts';

/** Left-aligned columns; the last column is not padded. */
function table(cols: string[], rows: string[][]): string {
  const w = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === cells.length - 1 ? c : c.padEnd(w[j]))).join('  ');
  return [line(cols), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

/** Terminal width for tables: the terminal's, or 100 columns when stdout is not one. */
const width = () => process.stdout.columns || 100;

export interface ListFlags {
  json?: boolean;
  /** Only the presets table. */
  presets?: boolean;
  /** Full preset sources instead of ones cut to the terminal width. */
  verbose?: boolean;
}

export async function listCommand(opts: ListFlags): Promise<void> {
  await loadAllEnvs(); // the MuJoCo tasks register once their WebAssembly module is loaded
  const algos = Object.values(ALGORITHMS).map((a) => ({ name: a.name, actionSpaces: a.actionSpaces, description: a.description }));
  const envs = registeredIds().map(describeEnv);
  let presets;
  try {
    presets = loadPresets().map((p) => {
      // The threshold a run of this pair stops at without --threshold.
      const t = presetThreshold(p, envs.find((e) => e.id === p.env)?.rewardThreshold);
      return { algo: p.algo, env: p.env, threshold: t.threshold, thresholdFrom: t.from, source: p.source, file: p.file };
    });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ algorithms: algos, environments: envs, presets }, null, 1) + '\n');
    return;
  }
  const out: string[] = [];
  if (!opts.presets) {
    out.push(
      'Algorithms',
      table(
        ['name', 'actions', 'description'],
        algos.map((a) => [a.name, a.actionSpaces.join('+'), a.description]),
      ),
      '',
    );
    const presetSets = (id: string) => presets.some((p) => p.env === id && p.thresholdFrom === 'preset');
    out.push(
      'Environments (threshold: the registered reward threshold; presets may set their own)',
      table(
        ['id', 'observation', 'action', 'max steps', 'threshold'],
        envs.map((e) => [
          e.id,
          e.observation,
          e.action,
          e.maxEpisodeSteps === null ? '-' : String(e.maxEpisodeSteps),
          e.rewardThreshold !== null ? String(e.rewardThreshold) : presetSets(e.id) ? '- (presets set one)' : '-',
        ]),
      ),
      '',
    );
  }
  const rows = presets.map((p) => [
    p.algo,
    p.env,
    p.threshold === null ? 'none' : `${p.threshold} (${p.thresholdFrom === 'preset' ? 'preset' : 'env'})`,
    p.source,
  ]);
  let shownRows = rows;
  if (!opts.verbose && rows.length) {
    // The source column gets what the terminal has left (at least 30 characters); --verbose prints it whole.
    const used = [0, 1, 2].reduce((s, j) => s + Math.max(['algo', 'env', 'threshold'][j].length, ...rows.map((r) => r[j].length)) + 2, 0);
    const room = Math.max(30, width() - used);
    shownRows = rows.map((r) => [r[0], r[1], r[2], truncate(r[3], room)]);
  }
  out.push(
    'Presets (ascent train <algo> <env> uses them; threshold: where training stops, --threshold none to train on)',
    presets.length ? table(['algo', 'env', 'threshold', 'source'], shownRows) : '(none)',
  );
  if (shownRows !== rows && shownRows.some((r, i) => r[3] !== rows[i][3]))
    out.push('(sources cut to the terminal width: ascent list --presets --verbose prints them whole)');
  process.stdout.write(out.join('\n') + '\n');
}
