import { describe, expect, it } from 'vitest';
import { hashObject, serializeCommit, type ObjectType } from '../../../common/git/object';
import { isAncestor } from './receive-protection';

/** A history in memory: commits named by letters, with committer times that may lie. */
function history(spec: Array<[string, string[], number]>) {
  const objects = new Map<string, { type: ObjectType; body: Uint8Array }>();
  const ids = new Map<string, string>();
  for (const [name, parents, time] of spec) {
    const sig = { name: 'a', email: 'a@example.com', timestamp: time, tz: '+0000' };
    const body = serializeCommit({
      tree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
      parents: parents.map((p) => ids.get(p) ?? ''),
      author: sig,
      committer: sig,
      headers: [],
      message: `${name}\n`,
    });
    const oid = hashObject('commit', body);
    objects.set(oid, { type: 'commit', body });
    ids.set(name, oid);
  }
  const id = (n: string) => ids.get(n) ?? '';
  return { reader: { read: async (oid: string) => objects.get(oid) }, id };
}

describe('isAncestor (the fast-forward check of protected branches)', () => {
  // a ← b ← c ← m (merge of c and x) ; a ← x ; a ← y (a side line); z has no parent.
  // x's committer time is in the future, and c's in the past: the walk must not trust dates.
  const h = history([
    ['a', [], 100],
    ['b', ['a'], 200],
    ['c', ['b'], 50],
    ['x', ['a'], 9_999],
    ['m', ['c', 'x'], 400],
    ['y', ['a'], 500],
    ['z', [], 600],
  ]);
  it.each([
    ['a', 'a', true],
    ['a', 'm', true],
    ['b', 'm', true],
    ['c', 'm', true],
    ['x', 'm', true], // second parent of a merge
    ['m', 'c', false], // a rewind
    ['y', 'm', false], // a side line
    ['z', 'm', false], // unrelated history
    ['m', 'z', false],
  ])('%s is an ancestor of %s: %s', async (anc, tip, want) => {
    expect(await isAncestor(h.reader, h.id(anc), h.id(tip))).toBe(want);
  });
  it('finds the old value by id, and a history cut short does not reach past the cut', async () => {
    const cut = history([
      ['a', [], 1],
      ['b', ['a'], 2],
    ]);
    const reader = {
      read: async (oid: string) => (oid === cut.id('a') ? undefined : cut.reader.read(oid)),
    };
    expect(await isAncestor(reader, cut.id('a'), cut.id('b'))).toBe(true);
    const longer = history([
      ['a', [], 1],
      ['b', ['a'], 2],
      ['c', ['b'], 3],
    ]);
    const cutB = {
      read: async (oid: string) => (oid === longer.id('b') ? undefined : longer.reader.read(oid)),
    };
    expect(await isAncestor(cutB, longer.id('a'), longer.id('c'))).toBe(false);
  });
});
