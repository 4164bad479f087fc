/**
 * How the user ran this command, for hints that they can paste back ("continue with: npx ascent
 * train --resume ..."). npm 7+ sets npm_command=exec under `npx`/`npm exec` and run-script under
 * `npm run`; from a package script the bare `ascent` is not on the user's PATH either.
 */
export function invokedAs(env: NodeJS.ProcessEnv = process.env): string {
  if (env.npm_command === 'exec' || env.npm_command === 'run-script' || env.npm_lifecycle_event) return 'npx ascent';
  return 'ascent';
}
