/**
 * The tuned presets (presets/<algo>.yaml) as the browser build sees them: scripts/build-web.mjs
 * parses the YAML at build time and defines __ASCENT_PRESETS__, so the pages need no YAML parser.
 * Outside a bundle (Node tests, bench) the constant is absent and there are no presets.
 */
import type { ConfigObject } from '../train/overrides.ts';

export interface WebPreset {
  source: string;
  config: ConfigObject;
  run?: { evalEvery?: number; evalEpisodes?: number; threshold?: number | null };
}

declare const __ASCENT_PRESETS__: Record<string, Record<string, WebPreset>> | undefined;

const PRESETS: Record<string, Record<string, WebPreset>> = typeof __ASCENT_PRESETS__ === 'undefined' ? {} : __ASCENT_PRESETS__;

export function presetFor(algo: string, env: string): WebPreset | null {
  return PRESETS[algo]?.[env] ?? null;
}
