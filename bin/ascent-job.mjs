#!/usr/bin/env node
// `ascent <args>` as the child of a sweep worker (src/distributed/run-job.ts). The worker holds this
// process's stdin open; when the worker dies, even by SIGKILL, the pipe closes and the run stops the
// way SIGTERM stops it (a checkpoint after the current update), so no orphan trains a job that the
// queue hands to another worker.
const stop = () => {
  // The worker's ends of stdout and stderr are gone too: a write must not crash the checkpoint being saved.
  for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
  process.kill(process.pid, 'SIGTERM');
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
try {
  await import('./ascent.mjs');
} finally {
  // The command has returned: the open pipe must not keep the process alive.
  process.stdin.destroy();
}
