#!/usr/bin/env node
// `ascent <args>` as the child of a sweep worker (src/distributed/run-job.ts). The worker holds this
// process's stdin open; when the worker dies, even by SIGKILL, the pipe closes and the run stops the
// way SIGTERM stops it (a checkpoint after the current update), so no orphan trains a job that the
// queue hands to another worker.
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
try {
  await import('./ascent.mjs');
} finally {
  // The command has returned: the open pipe must not keep the process alive.
  process.stdin.destroy();
}
