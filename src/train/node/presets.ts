/** Reads the preset zoo (presets/<algo>.yaml beside the package root). Node-only. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALGORITHMS } from '../../algos/index.ts';
import { pendingIds, registeredIds } from '../../envs/index.ts';
import { parsePresetFile, type Preset } from '../presets.ts';

export const PRESET_DIR = fileURLToPath(new URL('../../../presets/', import.meta.url));

/** Every preset in `dir`; a bad file is an error naming the file and the key. */
export function loadPresets(dir = PRESET_DIR): Preset[] {
  if (!existsSync(dir)) return [];
  // Pending ids too: MuJoCo's tasks register only once their WebAssembly module is loaded.
  const ctx = { algorithms: ALGORITHMS, envIds: [...registeredIds(), ...pendingIds()] };
  const out: Preset[] = [];
  for (const f of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const path = join(dir, f);
    // The shipped zoo is named by its place in the package; other directories by their path.
    const shown = dir === PRESET_DIR ? `presets/${f}` : path;
    const presets = parsePresetFile(readFileSync(path, 'utf8'), shown, ctx);
    const algoFile = f.replace(/\.ya?ml$/, '');
    for (const p of presets) {
      if (p.algo !== algoFile) throw new Error(`${shown}: 'algo' is '${p.algo}' but the file is named for '${algoFile}'`);
    }
    out.push(...presets);
  }
  return out;
}

export function findPreset(algo: string, env: string, dir = PRESET_DIR): Preset | null {
  return loadPresets(dir).find((p) => p.algo === algo && p.env === env) ?? null;
}
