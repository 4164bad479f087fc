import test from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS } from '../../src/algos/index.ts';
import { pendingIds, registeredIds } from '../../src/envs/index.ts';
import { parsePresetFile } from '../../src/train/presets.ts';
import { loadPresets } from '../../src/train/node/presets.ts';

const ctx = { algorithms: ALGORITHMS, envIds: registeredIds() };

test('the shipped preset zoo loads, every entry cites a source and names a registered pair', () => {
  const presets = loadPresets();
  assert.ok(presets.some((p) => p.algo === 'reinforce' && p.env === 'CartPole-v1'));
  for (const p of presets) {
    assert.ok(p.algo in ALGORITHMS, p.algo);
    // pending: MuJoCo ids, registered once loadMujoco() has loaded the module
    assert.ok(registeredIds().includes(p.env) || pendingIds().includes(p.env), p.env);
    assert.ok(p.source.length > 20, `${p.algo}/${p.env} cites a source`);
  }
});

test('the REINFORCE CartPole preset is the documented defaults', async () => {
  const { REINFORCE_DEFAULTS } = await import('../../src/algos/reinforce.ts');
  const p = loadPresets().find((x) => x.algo === 'reinforce' && x.env === 'CartPole-v1')!;
  for (const [k, v] of Object.entries(p.config)) {
    if (k === 'totalSteps' || k === 'policy') continue;
    assert.deepEqual(v, (REINFORCE_DEFAULTS as any)[k], k);
  }
});

test('bad preset files are errors naming the file and the key', () => {
  const f = (text: string) => () => parsePresetFile(text, 'presets/x.yaml', ctx);
  assert.throws(f('algo: a2c\npresets: {}'), /presets\/x\.yaml: 'algo': no registered algorithm 'a2c'/);
  assert.throws(
    f('algo: reinforce\npresets:\n  CartPole-v1:\n    source: s\n    config: { lrr: 1 }'),
    /presets\/x\.yaml: 'presets\.CartPole-v1\.config': reinforce: unknown config key 'lrr' \(did you mean 'lr'\?\)/,
  );
  assert.throws(f('algo: reinforce\npresets:\n  CartPole-v1:\n    config: { lr: 1 }'), /'presets\.CartPole-v1\.source': every preset must cite its source/);
  assert.throws(f('algo: reinforce\npresets:\n  CartPole-v7:\n    source: s'), /'presets\.CartPole-v7': no registered environment/);
  assert.throws(f('algo: reinforce\npresets:\n  CartPole-v1:\n    source: s\n    run: { evalEvry: 5 }'), /'presets\.CartPole-v1\.run\.evalEvry': unknown key/);
  assert.throws(f('algo: reinforce\npresets:\n  CartPole-v1:\n    source: s\n    config: { gamma: high }'), /'gamma' must be a number, got "high"/);
  // Ranges come from the algorithm's schema: an out-of-range value is refused when the file is read.
  assert.throws(
    f('algo: reinforce\npresets:\n  CartPole-v1:\n    source: s\n    config: { gamma: 1.5 }'),
    /presets\/x\.yaml: 'presets\.CartPole-v1\.config': reinforce: 'gamma' must be in \[0, 1\], got 1\.5/,
  );
  assert.throws(
    f('algo: reinforce\npresets:\n  CartPole-v1:\n    source: s\n    config: { policy: { hidden: [0] } }'),
    /'policy\.hidden' must be an array of positive integers/,
  );
  assert.throws(f('algo: [unclosed'), /presets\/x\.yaml: not valid YAML/);
});
