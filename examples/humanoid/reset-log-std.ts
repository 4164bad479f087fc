/**
 * Widen a saved Gaussian policy's exploration before resuming it: set every entry of its learned
 * log-std (`pi.logStd`) to one value, in the run's last checkpoint, and record the change in
 * config.json's `changes` as `ascent train --resume --set` does.
 *
 * Why: PPO on Humanoid-v5 shrinks the std to about 0.06 (entropy -23) while the humanoid still falls
 * after a few seconds; at that width a clipped update moves the policy far (approx KL 0.1-0.4) and
 * learns little. Resuming from a std of 0.2 made it learn to stay up for longer (README.md).
 *
 *   node --import tsx examples/humanoid/reset-log-std.ts <run-dir> -1.6
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { recordRunChange } from '../../src/train/node/run-dir.ts';

const [dir, value] = process.argv.slice(2);
const logStd = Number(value);
if (!dir || value === undefined || !Number.isFinite(logStd)) throw new Error(`usage: reset-log-std.ts <run-dir> <log-std, e.g. -1.6>; got ${JSON.stringify(process.argv.slice(2))}`);
const path = join(dir, 'checkpoints', 'last.ascent');
const ck = decodeCheckpoint(new Uint8Array(readFileSync(path)));
const entry = ck.state.tensors.find(([name]) => name === 'pi.logStd');
if (!entry) throw new Error(`${path}: no learned log-std (pi.logStd) in this ${ck.algo} checkpoint`);
const from = Array.from(entry[1].data, (x) => Math.round(x * 1000) / 1000);
entry[1].data.fill(logStd);
recordRunChange(dir, ck, { algo: ck.algo, env: ck.env, config: ck.config, run: ck.run }, { command: ['reset-log-std.ts', dir, value], changes: [{ key: 'pi.logStd', from, to: logStd }] });
console.log(`${path}: pi.logStd [${from.join(', ')}] -> ${logStd} at ${ck.steps} steps`);
