/** The receive-pack request head parser: commands, deletes, push-options, split chunks, bad input. */
import { describe, expect, it } from 'vitest';
import { encodePktLine } from '../common/git/pkt-line';
import { MAX_PUSH_HEAD, PushHeadParser } from './push-head';

const Z = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const enc = (s: string) => Buffer.from(encodePktLine(s));
const flush = Buffer.from('0000');

function feedBytewise(bytes: Buffer) {
  const p = new PushHeadParser();
  let state = p.push(bytes.subarray(0, 0));
  for (let i = 0; i < bytes.length && state.kind === 'more'; i++)
    state = p.push(bytes.subarray(i, i + 1));
  return state;
}

describe('PushHeadParser', () => {
  it('sees an empty push (bare flush)', () => {
    expect(new PushHeadParser().push(flush)).toEqual({ kind: 'empty' });
  });

  it('finds the end of a delete-only command list, even split byte by byte', () => {
    const head = Buffer.concat([
      enc(`${A} ${Z} refs/heads/x\0report-status delete-refs\n`),
      enc(`${B} ${Z} refs/tags/t\n`),
      flush,
    ]);
    const state = feedBytewise(head);
    expect(state).toEqual({
      kind: 'ready',
      headLength: head.length,
      allDeletes: true,
      commands: 2,
    });
  });

  it('reports where the pack starts for updates', () => {
    const head = Buffer.concat([enc(`${Z} ${A} refs/heads/new\0report-status\n`), flush]);
    const state = new PushHeadParser().push(Buffer.concat([head, Buffer.from('PACK\0\0\0\x02')]));
    expect(state).toEqual({
      kind: 'ready',
      headLength: head.length,
      allDeletes: false,
      commands: 1,
    });
  });

  it('includes the push-options section when negotiated', () => {
    const head = Buffer.concat([
      enc(`${A} ${Z} refs/heads/x\0report-status push-options\n`),
      flush,
      enc('ci.skip\n'),
      flush,
    ]);
    const p = new PushHeadParser();
    expect(p.push(head.subarray(0, head.length - 4))).toEqual({ kind: 'more' });
    expect(p.push(head.subarray(head.length - 4))).toMatchObject({
      kind: 'ready',
      headLength: head.length,
      allDeletes: true,
    });
  });

  it('skips shallow lines', () => {
    const head = Buffer.concat([
      enc(`shallow ${B}\n`),
      enc(`${A} ${B} refs/heads/main\0report-status\n`),
      flush,
    ]);
    expect(new PushHeadParser().push(head)).toMatchObject({
      kind: 'ready',
      commands: 1,
      allDeletes: false,
    });
  });

  it('refuses malformed input cleanly', () => {
    for (const bad of [
      Buffer.from('zzzz'),
      Buffer.concat([enc('not a command\n'), flush]),
      Buffer.concat([enc(`${A} ${B}\n`), flush]),
      Buffer.from('0001'),
      Buffer.concat([enc(`push-cert\0report-status\n`), flush]),
    ]) {
      expect(new PushHeadParser().push(bad).kind, bad.toString()).toBe('invalid');
    }
  });

  it('refuses an endless command list', () => {
    const p = new PushHeadParser();
    const line = enc(`${A} ${B} refs/heads/${'x'.repeat(200)}\n`);
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => line));
    let state = p.push(chunk);
    for (let i = 0; state.kind === 'more' && i * chunk.length < MAX_PUSH_HEAD * 2; i++)
      state = p.push(chunk);
    expect(state).toEqual({ kind: 'invalid', message: 'too many ref updates' });
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 500; i++) {
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(Math.random() * 200) }, () =>
          Math.floor(Math.random() * 256),
        ),
      );
      expect(['more', 'invalid', 'empty', 'ready']).toContain(
        new PushHeadParser().push(bytes).kind,
      );
    }
  });
});
