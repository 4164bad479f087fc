/** Node adapter for AsyncVectorEnv: runs each worker in a worker_threads Worker (Node-only file). */
import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './protocol.ts';
import type { WorkerHandle, WorkerSpawner } from './async.ts';
import type { WorkerMessage } from './worker-loop.ts';

export const nodeWorkerSpawner: WorkerSpawner = (init: WorkerInit): WorkerHandle => {
  // Compiled (.js): start the entry directly. From source (.ts, under tsx): Node 20 workers do not
  // run the parent's --import hooks before resolving a .ts entry, so a small bootstrap registers
  // tsx in the worker first and then imports the entry.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./node-worker-entry${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const w = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`, {
        eval: true,
        workerData: init,
      })
    : new Worker(entry, { workerData: init });
  const exited = new Promise<number>((resolve) => w.once('exit', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') {
        w.unref(); // a forgotten close() must not keep the process alive
        resolve();
      } else reject(new Error(m.message));
    });
    w.once('error', reject);
    void exited.then((code) => reject(new Error(`worker exited with code ${code} before it was ready`)));
  });
  return {
    ready,
    exited: exited.then(() => undefined),
    ref: () => w.ref(),
    terminate: async () => {
      await w.terminate();
    },
  };
};
