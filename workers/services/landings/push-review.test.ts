import { describe, expect, it } from 'vitest';
import { readPushOptions, targetOf, titleAndBody } from './push-review';

const oid = 'a'.repeat(40);
const state = {
  refs: [
    { name: 'refs/heads/main', oid },
    { name: 'refs/heads/release/1.0', oid },
    { name: 'refs/heads/release', oid },
    { name: 'refs/tags/v1', oid },
  ],
};

describe('push for review', () => {
  it('reads the target and the topic of refs/for/, the longest branch first', () => {
    expect(targetOf('refs/for/main', state)).toEqual({ target: 'main', topic: null });
    expect(targetOf('refs/for/main/fix-parser', state)).toEqual({
      target: 'main',
      topic: 'fix-parser',
    });
    expect(targetOf('refs/for/release/1.0/t', state)).toEqual({
      target: 'release/1.0',
      topic: 't',
    });
    expect(targetOf('refs/for/release/2.0', state)).toEqual({ target: 'release', topic: '2.0' });
    expect(targetOf('refs/for/v1', state)).toBeUndefined();
    expect(targetOf('refs/for/', state)).toBeUndefined();
    expect(targetOf('refs/for/mainline', state)).toBeUndefined();
  });

  it('reads title, description, topic and draft push options; ignores the rest', () => {
    expect(
      readPushOptions(['title= Fix it ', 'description=a=b', 'topic=t', 'draft', 'ci.skip']),
    ).toEqual({ title: 'Fix it', description: 'a=b', topic: 't', draft: true });
    expect(readPushOptions(['title=', 'draft=false', 'TITLE=x'])).toEqual({
      title: 'x',
      draft: false,
    });
    expect(readPushOptions([`title=${'x'.repeat(400)}`]).title).toHaveLength(256);
  });

  it('turns any option text into options without throwing', () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    for (let i = 0; i < 500; i++) {
      const opts = Array.from({ length: rand() % 5 }, () =>
        String.fromCharCode(...Array.from({ length: rand() % 30 }, () => rand() % 128)),
      );
      expect(typeof readPushOptions(opts).draft).toBe('boolean');
    }
  });

  it('splits a commit message into a title and a body', () => {
    expect(titleAndBody('Subject\n\nBody line\n')).toEqual({ title: 'Subject', body: 'Body line' });
    expect(titleAndBody('')).toEqual({ title: '(no message)', body: '' });
    expect(titleAndBody('one line')).toEqual({ title: 'one line', body: '' });
    const id = `I${'ab12'.repeat(10)}`;
    expect(titleAndBody(`Fix\n\nChange-Id: ${id}\n`)).toEqual({ title: 'Fix', body: '' });
    expect(titleAndBody(`Fix\n\nWhy.\n\nSigned-off-by: A\nChange-Id: ${id}`)).toEqual({
      title: 'Fix',
      body: 'Why.\n\nSigned-off-by: A',
    });
  });
});
