// Output batching: size and time bounds, stream switches, per-step sequence numbers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OutputBatcher, splitAtBytes, type OutputBatch } from './batcher';

function collect(maxBytes = 64 * 1024, maxDelayMs = 500, idleMs = 500) {
  const batches: OutputBatch[] = [];
  const b = new OutputBatcher({
    maxBytes,
    maxDelayMs,
    idleMs,
    emit: async (batch) => {
      batches.push(batch);
    },
  });
  return { b, batches };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('OutputBatcher', () => {
  it('sends a batch after the delay, not before', () => {
    vi.useFakeTimers();
    const { b, batches } = collect();
    b.add('stdout', 'a');
    b.add('stdout', 'b');
    vi.advanceTimersByTime(499);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([{ stream: 'stdout', seq: 1, data: 'ab' }]);
  });

  it('sends as soon as the pipe is idle, not after the fixed delay', () => {
    vi.useFakeTimers();
    const { b, batches } = collect(64 * 1024, 500, 2);
    b.add('stdout', 'line 1\n');
    vi.advanceTimersByTime(1);
    b.add('stdout', 'line 2\n');
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([]); // still arriving: the idle timer restarted
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([{ stream: 'stdout', seq: 1, data: 'line 1\nline 2\n' }]);
    b.add('stdout', 'line 3\n');
    vi.advanceTimersByTime(2);
    expect(batches.map((x) => [x.seq, x.data])).toEqual([
      [1, 'line 1\nline 2\n'],
      [2, 'line 3\n'],
    ]);
  });

  it('output that never pauses is still sent by the deadline from its first byte', () => {
    vi.useFakeTimers();
    const { b, batches } = collect(64 * 1024, 20, 5);
    for (let i = 0; i < 19; i++) {
      b.add('stdout', `${i} `);
      vi.advanceTimersByTime(1);
    }
    expect(batches).toEqual([]);
    b.add('stdout', 'last');
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.data.startsWith('0 1 2 ')).toBe(true);
    expect(batches[0]?.data.endsWith('last')).toBe(true);
    vi.advanceTimersByTime(100);
    expect(batches).toHaveLength(1); // nothing left, no empty batch
  });

  it('splits at the byte bound without breaking characters', async () => {
    const { b, batches } = collect(10);
    const ret = b.add('stdout', 'ééééééééé'); // 18 bytes
    expect(ret).toBeInstanceOf(Promise);
    await b.flush();
    expect(batches.map((x) => x.data)).toEqual(['ééééé', 'éééé']);
    expect(batches.every((x) => Buffer.byteLength(x.data) <= 10)).toBe(true);
    expect(batches.map((x) => x.seq)).toEqual([1, 2]);
  });

  it('starts a new batch when the stream changes; seq increases from 1', async () => {
    const { b, batches } = collect();
    b.add('stdout', 'out1 ');
    b.add('stderr', 'err1 ');
    b.add('stderr', 'err2 ');
    b.add('stdout', 'out2');
    await b.flush();
    expect(batches).toEqual([
      { stream: 'stdout', seq: 1, data: 'out1 ' },
      { stream: 'stderr', seq: 2, data: 'err1 err2 ' },
      { stream: 'stdout', seq: 3, data: 'out2' },
    ]);
    expect(b.sent).toBe(3);
  });

  it('never loops on a character larger than the byte bound', async () => {
    const { b, batches } = collect(1);
    b.add('stdout', 'é😀');
    await b.flush();
    expect(batches.map((x) => x.data)).toEqual(['é', '😀']);
  });

  it('flush with nothing buffered sends nothing', async () => {
    const { b, batches } = collect();
    await b.flush();
    b.add('stdout', '');
    await b.flush();
    expect(batches).toEqual([]);
  });
});

describe('splitAtBytes', () => {
  it('respects multi-byte characters and surrogate pairs', () => {
    expect(splitAtBytes('a😀b', 4)).toEqual(['a', '😀b']);
    expect(splitAtBytes('a😀b', 5)).toEqual(['a😀', 'b']);
    expect(splitAtBytes('abc', 0)).toEqual(['', 'abc']);
    expect(splitAtBytes('abc', 10)).toEqual(['abc', '']);
  });
});
