import { describe, expect, it } from 'vitest';
import { faviconIco } from './favicon';

describe('favicon', () => {
  it('is one 16×16 32-bit icon whose directory entry matches the bytes', () => {
    const ico = faviconIco();
    const v = new DataView(ico.buffer, ico.byteOffset, ico.byteLength);
    expect([v.getUint16(0, true), v.getUint16(2, true), v.getUint16(4, true)]).toEqual([0, 1, 1]);
    expect([ico[6], ico[7], v.getUint16(12, true)]).toEqual([16, 16, 32]);
    const size = v.getUint32(14, true);
    const offset = v.getUint32(18, true);
    expect(offset + size).toBe(ico.length);
    expect(v.getUint32(offset, true)).toBe(40); // BITMAPINFOHEADER
    expect(v.getInt32(offset + 8, true)).toBe(32); // colour rows + mask rows
    // Both colours are present: the letter is drawn.
    const px = ico.subarray(offset + 40, offset + 40 + 16 * 16 * 4);
    const whites = px.filter((b, i) => i % 4 === 0 && b === 255).length;
    expect(whites).toBeGreaterThan(20);
    expect(whites).toBeLessThan(200);
  });
});
