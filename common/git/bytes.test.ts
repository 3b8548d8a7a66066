import { expect, test } from 'vitest';
import { fromHex, toHex } from './bytes';

test('hex round-trips every byte value; bad hex is refused', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const hex = toHex(all);
  expect(hex.slice(0, 8)).toBe('00010203');
  expect(hex.slice(-4)).toBe('feff');
  expect(fromHex(hex)).toEqual(all);
  expect(fromHex(hex.toUpperCase())).toEqual(all);
  expect(fromHex('')).toEqual(new Uint8Array(0));
  for (const bad of ['0', 'abc', 'zz', '0g', '/0', ':0', '@0', 'G0', '`0', ' 0'])
    expect(fromHex(bad), bad).toBeUndefined();
});
