/**
 * A 5x7 bitmap font (the classic dot-matrix character shapes) for labels in rasterised plots.
 * Each glyph is 7 rows of 5 bits, most significant bit on the left. Lower case is drawn as upper case.
 */
const G: Record<string, string> = {
  '0': '0e11131519110e', '1': '040c040404040e', '2': '0e11010204081f', '3': '1f02040201110e', '4': '02060a121f0202',
  '5': '1f101e0101110e', '6': '0608101e11110e', '7': '1f010204080808', '8': '0e11110e11110e', '9': '0e11110f01020c',
  A: '0e1111111f1111', B: '1e11111e11111e', C: '0e11101010110e', D: '1c12111111121c', E: '1f10101e10101f', F: '1f10101e101010',
  G: '0e11101711110f', H: '1111111f111111', I: '0e04040404040e', J: '0702020202120c', K: '11121418141211',
  L: '1010101010101f', M: '111b1515111111', N: '11111915131111', O: '0e11111111110e', P: '1e11111e101010', Q: '0e11111115120d',
  R: '1e11111e141211', S: '0f10100e01011e', T: '1f040404040404', U: '1111111111110e', V: '11111111110a04',
  W: '1111111515150a', X: '11110a040a1111', Y: '1111110a040404', Z: '1f01020408101f',
  '.': '00000000000c0c', '-': '0000001f000000', '+': '0004041f040400', '(': '02040808080402', ')': '08040202020408',
  '/': '00010204081000', ':': '000c0c000c0c00', '_': '0000000000001f', '=': '00001f001f0000', ',': '000000000c0408', '?': '0e110102040004',
  ' ': '00000000000000', '±': '04041f0404001f', '%': '18190204081303', '[': '0e08080808080e', ']': '0e02020202020e',
};

export const GLYPH_W = 5, GLYPH_H = 7;

export function glyph(ch: string): number[] {
  const hex = G[ch] ?? G[ch.toUpperCase()] ?? G['?'];
  return Array.from({ length: GLYPH_H }, (_, r) => parseInt(hex.slice(2 * r, 2 * r + 2), 16));
}

/** Width in pixels of `text` at integer scale s (1 px between glyphs). */
export function textWidth(text: string, s = 1): number {
  return text.length ? (text.length * (GLYPH_W + 1) - 1) * s : 0;
}

/** Draw text with its top-left at (x, y) in y-down pixel coordinates through `set`. */
export function drawText(set: (x: number, y: number) => void, text: string, x: number, y: number, s = 1, vertical = false): void {
  [...text].forEach((ch, k) => {
    const rows = glyph(ch);
    for (let r = 0; r < GLYPH_H; r++) {
      for (let c = 0; c < GLYPH_W; c++) {
        if (!((rows[r] >> (GLYPH_W - 1 - c)) & 1)) continue;
        for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) {
          const gx = k * (GLYPH_W + 1) * s + c * s + dx, gy = r * s + dy;
          // Vertical text reads bottom to top (rotated 90 degrees counter-clockwise).
          if (vertical) set(x + gy, y - gx); else set(x + gx, y + gy);
        }
      }
    }
  });
}
