import { describe, expect, it } from 'vitest';
import { parseRange } from './runs-logs';

describe('Range headers', () => {
  it('parses single byte ranges and refuses the rest', () => {
    expect(parseRange(undefined)).toBeUndefined();
    expect(parseRange('bytes=0-9')).toEqual({ offset: 0, length: 10 });
    expect(parseRange('bytes=5-')).toEqual({ offset: 5 });
    expect(parseRange('bytes=-100')).toEqual({ suffix: 100 });
    for (const bad of ['bytes=9-0', 'bytes=-', 'items=0-1', 'bytes=0-1,3-4', 'bytes=a-b']) {
      expect(() => parseRange(bad), bad).toThrow(/Range/);
    }
  });
});
