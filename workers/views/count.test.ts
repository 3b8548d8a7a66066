import { expect, test } from 'vitest';
import { countOf } from './count';

test('counts take the singular for one and the plural otherwise', () => {
  expect(countOf(1, 'branch', 'branches')).toBe('1 branch');
  expect(countOf(2, 'branch', 'branches')).toBe('2 branches');
  expect(countOf(0, 'tag')).toBe('0 tags');
  expect(countOf(1, 'line')).toBe('1 line');
  expect(countOf(12345, 'line')).toBe('12,345 lines');
});
