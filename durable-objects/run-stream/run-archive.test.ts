import { describe, expect, it } from 'vitest';
import { startOffset, type ArchiveIndex } from './run-archive';

const index = (line_offsets?: [number, number][]): ArchiveIndex => ({
  run_id: '1',
  last_id: 2500,
  log_bytes: 99_999,
  steps: {},
  archived_at: '2026-11-29T00:00:00.000Z',
  ...(line_offsets ? { line_offsets } : {}),
});

describe('startOffset', () => {
  const offsets: [number, number][] = [
    [1, 0],
    [1001, 40_000],
    [2001, 80_000],
  ];
  it('starts at the last indexed record at or before the first one wanted', () => {
    expect(startOffset(index(offsets), 0)).toBe(0);
    expect(startOffset(index(offsets), 999)).toBe(0);
    expect(startOffset(index(offsets), 1000)).toBe(40_000); // wants 1001
    expect(startOffset(index(offsets), 1500)).toBe(40_000);
    expect(startOffset(index(offsets), 2000)).toBe(80_000);
    expect(startOffset(index(offsets), 10_000)).toBe(80_000);
  });
  it('reads from the start without offsets (archives written before them)', () => {
    expect(startOffset(undefined, 1500)).toBe(0);
    expect(startOffset(index(), 1500)).toBe(0);
    expect(startOffset(index([]), 1500)).toBe(0);
  });
});
