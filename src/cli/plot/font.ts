/**
 * The plots' one typeface, used for PNG and SVG alike so both look the same: the classic 5x7
 * dot-matrix capitals and digits, with lower case on a 5-row x-height and 2-row descenders
 * (g j p q y), in a 9-row cell. The SVG draws the same pixels as paths (svg.ts). Plots draw it at
 * FONT_SCALE, so a capital is 14 px tall and a character 12 px wide.
 */
const G: Record<string, string> = {
  '0': '0e11131519110e',
  '1': '040c040404040e',
  '2': '0e11010204081f',
  '3': '1f02040201110e',
  '4': '02060a121f0202',
  '5': '1f101e0101110e',
  '6': '0608101e11110e',
  '7': '1f010204080808',
  '8': '0e11110e11110e',
  '9': '0e11110f01020c',
  A: '0e1111111f1111',
  B: '1e11111e11111e',
  C: '0e11101010110e',
  D: '1c12111111121c',
  E: '1f10101e10101f',
  F: '1f10101e101010',
  G: '0e11101711110f',
  H: '1111111f111111',
  I: '0e04040404040e',
  J: '0702020202120c',
  K: '11121418141211',
  L: '1010101010101f',
  M: '111b1515111111',
  N: '11111915131111',
  O: '0e11111111110e',
  P: '1e11111e101010',
  Q: '0e11111115120d',
  R: '1e11111e141211',
  S: '0f10100e01011e',
  T: '1f040404040404',
  U: '1111111111110e',
  V: '11111111110a04',
  W: '1111111515150a',
  X: '11110a040a1111',
  Y: '1111110a040404',
  Z: '1f01020408101f',
  '.': '00000000000c0c',
  '-': '0000001f000000',
  '+': '0004041f040400',
  '(': '02040808080402',
  ')': '08040202020408',
  '/': '00010204081000',
  ':': '000c0c000c0c00',
  _: '0000000000001f',
  '=': '00001f001f0000',
  ',': '000000000c0408',
  '?': '0e110102040004',
  ' ': '00000000000000',
  '±': '04041f0404001f',
  '%': '18190204081303',
  '[': '0e08080808080e',
  ']': '0e02020202020e',
  '!': '04040404040004',
  "'": '04040800000000',
  '<': '02040810080402',
  '>': '08040201020408',
  '*': '00040a1f0a0400',
  ';': '000c0c000c0408',
  '|': '04040404040404',
  '#': '0a0a1f0a1f0a0a',
  '×': '00110a040a1100',
  '…': '00000000000015',
};

/** Lower case, drawn row by row ('#' on): 7 rows to the baseline, then the descender rows. */
const L: Record<string, string> = {
  a: '..... ..... .###. ....# .#### #...# .####',
  b: '#.... #.... #.##. ##..# #...# #...# ####.',
  c: '..... ..... .###. #.... #.... #...# .###.',
  d: '....# ....# .##.# #..## #...# #...# .####',
  e: '..... ..... .###. #...# ##### #.... .###.',
  f: '..##. .#..# .#... ###.. .#... .#... .#...',
  g: '..... ..... .#### #...# #...# #...# .#### ....# .###.',
  h: '#.... #.... #.##. ##..# #...# #...# #...#',
  i: '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  j: '...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #...# #...#',
  n: '..... ..... #.##. ##..# #...# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# #...# #...# ####. #.... #....',
  q: '..... ..... .#### #...# #...# #...# .#### ....# ....#',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .###. #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  u: '..... ..... #...# #...# #...# #..## .##.#',
  v: '..... ..... #...# #...# #...# .#.#. ..#..',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  x: '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  y: '..... ..... #...# #...# #...# #...# .#### ....# .###.',
  z: '..... ..... ##### ...#. ..#.. .#... #####',
};

export const GLYPH_W = 5;
/** Rows above the baseline (a capital's height). */
export const CAP_H = 7;
/** Rows of the whole cell, descenders included. */
export const GLYPH_H = 9;
/** The pixel size plots draw the font at: readable at the default 800x500 (a 12-pixel character pitch). */
export const FONT_SCALE = 2;

const cache = new Map<string, number[]>();

export function glyph(ch: string): number[] {
  let rows = cache.get(ch);
  if (rows) return rows;
  const low = L[ch];
  if (low) rows = low.split(' ').map((r) => [...r].reduce((bits, c) => (bits << 1) | (c === '#' ? 1 : 0), 0));
  else {
    const hex = G[ch] ?? G[ch.toUpperCase()] ?? G['?'];
    rows = Array.from({ length: CAP_H }, (_, r) => parseInt(hex.slice(2 * r, 2 * r + 2), 16));
  }
  while (rows.length < GLYPH_H) rows.push(0);
  cache.set(ch, rows);
  return rows;
}

/** Width in pixels of `text` at integer scale s (1 font pixel between glyphs). */
export function textWidth(text: string, s = 1): number {
  const n = [...text].length;
  return n ? (n * (GLYPH_W + 1) - 1) * s : 0;
}

/**
 * The font pixels of `text` as horizontal runs [column, row, length] in font units, left to right
 * from (0, 0) at the top-left of the cell; `bold` repeats each run one pixel to the right.
 */
export function textRuns(text: string, bold = false): [number, number, number][] {
  const out: [number, number, number][] = [];
  [...text].forEach((ch, k) => {
    const rows = glyph(ch);
    for (let r = 0; r < GLYPH_H; r++) {
      let c = 0;
      while (c < GLYPH_W) {
        if (!((rows[r] >> (GLYPH_W - 1 - c)) & 1)) {
          c++;
          continue;
        }
        const start = c;
        while (c < GLYPH_W && (rows[r] >> (GLYPH_W - 1 - c)) & 1) c++;
        out.push([k * (GLYPH_W + 1) + start, r, c - start + (bold ? 1 : 0)]);
      }
    }
  });
  return out;
}

/** Draw text with its top-left at (x, y) in y-down pixel coordinates through `set`. */
export function drawText(set: (x: number, y: number) => void, text: string, x: number, y: number, s = 1, vertical = false, bold = false): void {
  for (const [c, r, n] of textRuns(text, bold)) {
    for (let i = 0; i < n * s; i++)
      for (let dy = 0; dy < s; dy++) {
        const gx = c * s + i,
          gy = r * s + dy;
        // Vertical text reads bottom to top (rotated 90 degrees counter-clockwise).
        if (vertical) set(x + gy, y - gx);
        else set(x + gx, y + gy);
      }
  }
}
