// Node worker_threads entry for AsyncVectorEnv (Node-only; loaded by node-worker.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { runWorker } from './worker-loop.ts';

void runWorker(workerData, (m) => parentPort!.postMessage(m));
