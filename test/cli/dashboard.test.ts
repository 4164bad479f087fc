import test from 'node:test';
import assert from 'node:assert/strict';
import { ascentAsync, tempDir } from './helpers.ts';

test('ascent dashboard serves the runs directory on 127.0.0.1 and stops cleanly on Ctrl-C', async () => {
  const runs = tempDir();
  const { child, done } = ascentAsync(['dashboard', runs, '--port', '0'], tempDir());
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const res = await fetch(`${url}api/runs`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { runs: unknown[]; error: unknown };
  assert.deepEqual(body.runs, []);
  assert.equal((await fetch(`${url}runs/..%2f..%2fetc%2fpasswd`)).status, 403);
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
});
