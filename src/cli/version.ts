import { readFileSync } from 'node:fs';

/** The package version (package.json beside src/). */
export const ASCENT_VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
})();
