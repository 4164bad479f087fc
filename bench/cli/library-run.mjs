// Loads bench/cli/library-run.ts the way bin/ascent.mjs loads the CLI from source (tsx's register()),
// so that both sides of bench/cli.ts pay the same loader.
import { register } from 'tsx/esm/api';
register();
await import('./library-run.ts');
