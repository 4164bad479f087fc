// The short SAC run whose final parameters sac-checksum.test.ts pins and sac-twin.test.ts compares.
import { createHash } from 'node:crypto';
import { SAC } from '../../src/algos/sac.ts';

/** SHA-256 of every trained parameter and log alpha after 300 Pendulum steps (RLtools' sizes: 64x64, batch 100). */
export function sacParamsHash(): string {
  const sac = new SAC({ env: 'Pendulum-v1', seed: 3, totalSteps: 300, learningStarts: 50, batchSize: 100, hidden: [64, 64], lr: 1e-3, logInterval: 150 });
  sac.learn();
  const h = createHash('sha256');
  for (const m of sac.trainedModules())
    for (const [name, p] of m.namedParameters()) h.update(name).update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  h.update(Float32Array.of(sac.learner.logAlpha.data[0]));
  sac.close();
  return h.digest('hex');
}
