/**
 * The training worker (a module Web Worker): runs one TrainingSession at a time and reports each
 * update, evaluations, and about twice a second the current weights for the page's player. The
 * driver yields between updates, so pause/save/stop messages are handled at update boundaries.
 */
import { ensureEnv } from '../../envs/index.ts';
import { decodeCheckpoint } from '../../train/checkpoint.ts';
import { TrainingSession, throughput } from './session.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const scope = self as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(m: FromWorker, transfer?: Transferable[]): void };
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
const LIVE_EVERY_MS = 400;

let session: TrainingSession | null = null;

function sendCheckpoint(s: TrainingSession, purpose: 'live' | 'save'): void {
  const bytes = s.checkpoint();
  post({ type: 'checkpoint', purpose, bytes, steps: s.algo.steps }, [bytes.buffer as ArrayBuffer]);
}

async function start(req: ToWorker & { type: 'start' }): Promise<void> {
  session?.stop();
  // MuJoCo tasks need their WebAssembly module in this worker too (loaded once).
  await ensureEnv('checkpoint' in req.req ? decodeCheckpoint(req.req.checkpoint).env : req.req.env);
  const s = new TrainingSession(req.req);
  session = s;
  post({ type: 'started', algo: s.info.algo, env: s.info.env, config: s.info.config, run: { ...s.info.run }, source: s.info.source });
  sendCheckpoint(s, 'live');
  let last = performance.now();
  const result = await s.run({
    onPause: (paused) => post({ type: 'paused', paused }),
    onUpdate: (log, evaluation) => {
      post({ type: 'update', log, evaluation });
      const now = performance.now();
      if (now - last >= LIVE_EVERY_MS || evaluation) {
        last = now;
        sendCheckpoint(s, 'live');
      }
    },
  });
  if (session !== s) return;
  sendCheckpoint(s, 'live');
  post({ type: 'done', result });
}

scope.onmessage = (e) => {
  const m = e.data;
  const fail = (err: unknown) => post({ type: 'error', message: (err as Error)?.message ?? String(err) });
  try {
    switch (m.type) {
      case 'start':
        start(m).catch(fail);
        break;
      case 'pause':
        session?.pause();
        break;
      case 'resume':
        session?.resume();
        break;
      case 'stop':
        session?.stop();
        break;
      case 'save':
        if (!session) throw new Error('nothing to save: start training first');
        sendCheckpoint(session, 'save');
        break;
      case 'bench':
        post({ type: 'bench', result: throughput(m.req) });
        break;
      default:
        throw new Error(`unknown message ${JSON.stringify((m as { type?: unknown }).type)}`);
    }
  } catch (err) {
    fail(err);
  }
};
