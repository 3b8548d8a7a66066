/**
 * The favicon: a 16×16 ICO (one 32-bit BMP image) of a white "P" on black, built from a glyph
 * mask so the repository holds no binary file. Browsers ask for `/favicon.ico` on every site.
 */

/** The letter, 5×7; each `#` becomes a 2×2 block. */
const GLYPH = ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'];
const SIZE = 16;

/** The ICO file's bytes. */
export function faviconIco(): Uint8Array<ArrayBuffer> {
  const pixels = SIZE * SIZE * 4;
  const mask = SIZE * 4; // 1 bit per pixel, rows padded to 32 bits: all zero (opaque)
  const image = 40 + pixels + mask;
  const out = new Uint8Array(6 + 16 + image);
  const v = new DataView(out.buffer);
  // ICONDIR: reserved, type 1 (icon), one image.
  v.setUint16(2, 1, true);
  v.setUint16(4, 1, true);
  // ICONDIRENTRY: 16×16, no palette, 1 plane, 32 bpp, size and offset of the image.
  out[6] = SIZE;
  out[7] = SIZE;
  v.setUint16(10, 1, true);
  v.setUint16(12, 32, true);
  v.setUint32(14, image, true);
  v.setUint32(18, 22, true);
  // BITMAPINFOHEADER; the height counts the colour rows and the mask rows.
  const h = 22;
  v.setUint32(h, 40, true);
  v.setInt32(h + 4, SIZE, true);
  v.setInt32(h + 8, SIZE * 2, true);
  v.setUint16(h + 12, 1, true);
  v.setUint16(h + 14, 32, true);
  v.setUint32(h + 20, pixels + mask, true);
  // Pixels, bottom row first, BGRA.
  const p = h + 40;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const gy = Math.floor((y - 1) / 2);
      const gx = Math.floor((x - 3) / 2);
      const on = y >= 1 && x >= 3 && GLYPH[gy]?.[gx] === '#';
      const at = p + ((SIZE - 1 - y) * SIZE + x) * 4;
      const c = on ? 255 : 0;
      out[at] = c;
      out[at + 1] = c;
      out[at + 2] = c;
      out[at + 3] = 255;
    }
  }
  return out;
}
