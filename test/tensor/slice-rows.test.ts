// slice, concat, padAxis and gather copy short rows in a loop and long rows as views (issue 12):
// values against index arithmetic for rows of 1, 3 and 100 elements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.ts';
import { Tensor } from '../../src/tensor/index.ts';

const iota = (rows: number, cols: number) =>
  Tensor.from(
    Array.from({ length: rows * cols }, (_, i) => i + 1),
    [rows, cols],
  );

for (const width of [1, 3, 100]) {
  test(`slice, concat, padAxis and gather along axis 1 with rows of ${width}`, () => {
    const x = iota(5, 2 * width + 1);
    const cols = 2 * width + 1;
    const s = T.slice(x, 1, width, 2 * width);
    assert.deepEqual(s.shape, [5, width]);
    for (let i = 0; i < 5; i++) for (let j = 0; j < width; j++) assert.equal(s.data[i * width + j], i * cols + width + j + 1, `slice [${i},${j}]`);
    const c = T.concat([s, T.slice(x, 1, 0, width)], 1);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 2 * width; j++) {
        const want = j < width ? i * cols + width + j + 1 : i * cols + (j - width) + 1;
        assert.equal(c.data[i * 2 * width + j], want, `concat [${i},${j}]`);
      }
    const p = T.padAxis(s, 1, 1, width + 2);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < width + 2; j++) {
        const want = j >= 1 && j <= width ? s.data[i * width + j - 1] : 0;
        assert.equal(p.data[i * (width + 2) + j], want, `padAxis [${i},${j}]`);
      }
    const rows = iota(4, width);
    const g = T.gather(rows, [3, 0, 3], 0);
    for (const [k, r] of [3, 0, 3].entries()) for (let j = 0; j < width; j++) assert.equal(g.data[k * width + j], r * width + j + 1, `gather [${k},${j}]`);
  });
}
