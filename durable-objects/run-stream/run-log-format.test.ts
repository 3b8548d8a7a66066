import { describe, expect, it } from 'vitest';
import {
  ChunkError,
  cutUtf8,
  lineHead,
  parseAfter,
  parseChunks,
  plainTextOf,
  recordLine,
  sseFrame,
} from './run-log-format';

describe('producer chunks', () => {
  it('accepts the spec shape, the executor shape and run-level events', () => {
    const chunks = parseChunks({
      chunks: [
        { step_id: 'build', stream: 'stdout', seq: 1, data: 'hi\n' },
        { type: 'step_output', step_id: 'build', stream: 'stderr', seq: 2, data: 'err' },
        { type: 'step_completed', step_id: 'build', status: 'success', exit_code: 0 },
        { stream: 'event', event: 'llm_token', step_id: 'agent', seq: 1, data: { text: 'x' } },
        { event: 'run_completed', conclusion: 'failure' },
      ],
    });
    expect(chunks).toEqual([
      { event: 'step_output', step_id: 'build', stream: 'stdout', seq: 1, data: 'hi\n' },
      { event: 'step_output', step_id: 'build', stream: 'stderr', seq: 2, data: 'err' },
      { event: 'step_completed', step_id: 'build', data: { status: 'success', exit_code: 0 } },
      { event: 'llm_token', step_id: 'agent', seq: 1, data: { text: 'x' } },
      { event: 'run_completed', step_id: '', data: { conclusion: 'failure' } },
    ]);
  });

  it.each([
    [{}, /chunks/],
    [{ chunks: [1] }, /must be an object/],
    [{ chunks: [{ event: 'nope' }] }, /unknown event/],
    [{ chunks: [{ stream: 'stdout', step_id: 'a', seq: 1, data: 5 }] }, /data must be a string/],
    [{ chunks: [{ stream: 'stdout', step_id: 'a', seq: 1.5, data: '' }] }, /seq/],
    [{ chunks: [{ stream: 'stdout', step_id: '../x', seq: 1, data: '' }] }, /step_id/],
    [{ chunks: [{ stream: 'stdout', step_id: 'a', seq: 1, data: 'x'.repeat(2 << 20) }] }, /bytes/],
    [{ chunks: Array.from({ length: 1001 }, () => ({})) }, /at most 1000/],
  ])('refuses %#', (body, message) => {
    expect(() => parseChunks(body)).toThrow(ChunkError);
    expect(() => parseChunks(body)).toThrow(message);
  });

  it('never throws anything but ChunkError on random input', () => {
    for (let i = 0; i < 500; i++) {
      const junk = JSON.parse(
        JSON.stringify({
          chunks: [
            {
              event: ['step_output', 'run_started', 7][i % 3],
              seq: i - 250,
              data: i % 2 ? 'x' : [i],
              step_id: String(i),
            },
          ],
        }),
      ) as unknown;
      try {
        parseChunks(junk);
      } catch (err) {
        expect(err).toBeInstanceOf(ChunkError);
      }
    }
  });
});

describe('record lines and frames', () => {
  it('puts id and event first so the head can be read without parsing', () => {
    const line = recordLine({
      id: 12,
      event: 'step_output',
      step_id: 's',
      stream: 'stdout',
      seq: 3,
      t: 1,
      data: 'a\nb',
    });
    expect(line).toBe(
      '{"id":12,"event":"step_output","step_id":"s","stream":"stdout","seq":3,"t":1,"data":"a\\nb"}',
    );
    expect(lineHead(line)).toEqual({ id: 12, event: 'step_output' });
    expect(lineHead('garbage')).toBeUndefined();
    expect(sseFrame(12, 'step_output', line)).toBe(`id: 12\nevent: step_output\ndata: ${line}\n\n`);
  });

  it('cuts UTF-8 between characters', () => {
    expect(cutUtf8('héllo', 2)).toBe('h');
    expect(cutUtf8('héllo', 3)).toBe('hé');
    expect(cutUtf8('€€', 5)).toBe('€');
    expect(cutUtf8('abc', 10)).toBe('abc');
    expect(cutUtf8('abc', 0)).toBe('');
  });

  it('reads Last-Event-ID / after leniently', () => {
    expect(parseAfter('42')).toBe(42);
    expect(parseAfter(' 7 ')).toBe(7);
    expect(parseAfter('-1')).toBe(0);
    expect(parseAfter('abc')).toBe(0);
    expect(parseAfter(null)).toBe(0);
    expect(parseAfter('9'.repeat(40))).toBe(0);
  });
});

describe("a model step's plain text", () => {
  it('keeps text as it is and writes tool calls as one line each, with their output', () => {
    expect(plainTextOf('llm_token', 'Reading the file.')).toBe('Reading the file.');
    expect(plainTextOf('tool_start', { id: 't1', name: 'read_file', input: { path: 'a' } })).toBe(
      '\n▶ read_file {"path":"a"}\n',
    );
    expect(plainTextOf('tool_end', { id: 't1', name: 'read_file', ok: true, output: 'x' })).toBe(
      '◀ read_file ok\nx\n',
    );
    expect(plainTextOf('tool_end', { name: 'shell', ok: false, output: '' })).toBe(
      '◀ shell error\n',
    );
    expect(plainTextOf('tool_start', 'not an object')).toBeUndefined();
    expect(plainTextOf('step_completed', { status: 'success' })).toBeUndefined();
  });
});
