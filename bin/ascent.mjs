#!/usr/bin/env node
// The `ascent` command. An installed package runs its compiled lib/. In a checkout (where tsx, a
// dev dependency, is installed) it runs lib/ when that build is newer than every file in src/
// (`npm install` builds it), and otherwise the TypeScript sources through tsx, so a clone being
// edited never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'lib', '.build-stamp');

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function tsxInstalled() {
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

const built = existsSync(join(root, 'lib', 'cli', 'main.js'));
const fromSource =
  tsxInstalled() &&
  existsSync(join(root, 'src')) &&
  (process.env.ASCENT_FROM_SOURCE === '1' || !existsSync(stamp) || statSync(stamp).mtimeMs < newestMtime(join(root, 'src')));
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else if (built) {
  await import('../lib/cli/main.js');
} else {
  console.error(`ascent: ${join(root, 'lib')} is not built and tsx is not installed: run 'npm install' (or 'npm run build') in ${root}`);
  process.exit(1);
}
