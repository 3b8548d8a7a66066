/** The workflow files an event claim carries (workflow-files.ts), over real git objects in memory. */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../common/git/bytes';
import {
  hashObject,
  serializeCommit,
  serializeTag,
  serializeTree,
  sortTreeEntries,
  type ObjectType,
} from '../../../common/git/object';
import type { ObjectReader } from '../browse/objects';
import { filesOf, MAX_FILE_BYTES, MAX_WORKFLOW_FILES } from './workflow-files';

type Node = string | Uint8Array | { mode: string; target: string } | { [name: string]: Node };

/** Objects in a map; `tree` takes nested objects (strings are files, {mode, target} links). */
class Objects implements ObjectReader {
  readonly map = new Map<string, { type: ObjectType; body: Uint8Array }>();
  put(type: ObjectType, body: Uint8Array): string {
    const oid = hashObject(type, body);
    this.map.set(oid, { type, body });
    return oid;
  }
  async read(oid: string) {
    return this.map.get(oid);
  }
  tree(node: { [name: string]: Node }): string {
    const entries = Object.entries(node).map(([name, v]) => {
      if (typeof v === 'string' || v instanceof Uint8Array)
        return { mode: '100644', name, oid: this.put('blob', typeof v === 'string' ? utf8(v) : v) };
      if ('mode' in v && typeof v.mode === 'string' && typeof v.target === 'string')
        return { mode: v.mode, name, oid: this.put('blob', utf8(v.target)) };
      return { mode: '40000', name, oid: this.tree(v as { [name: string]: Node }) };
    });
    return this.put('tree', serializeTree(sortTreeEntries(entries)));
  }
  commit(root: { [name: string]: Node }): string {
    const sig = { name: 'T', email: 't@x', timestamp: 1, tz: '+0000' };
    const tree = this.tree(root);
    return this.put(
      'commit',
      serializeCommit({
        tree,
        parents: [],
        author: sig,
        committer: sig,
        headers: [],
        message: 'm\n',
      }),
    );
  }
}

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

describe('workflow files of a commit', () => {
  it('sends the workflow files sorted with their contents and every prompt path', async () => {
    const o = new Objects();
    const sha = o.commit({
      'README.md': 'hi',
      '.plue': {
        workflows: { 'b.py': 'B = 1\n', 'a.py': 'A = 1\n', 'notes.txt': 'not a workflow' },
        prompts: { 'review.prompt.md': 'Review', team: { 'x.prompt.md': 'X' } },
      },
    });
    const files = await filesOf(o, sha);
    expect(files?.commit).toBe(sha);
    expect(files?.workflows.map((f) => [f.path, decode(f.content)])).toEqual([
      ['.plue/workflows/a.py', 'A = 1\n'],
      ['.plue/workflows/b.py', 'B = 1\n'],
    ]);
    expect(files?.workflows[0]?.oid).toBe(hashObject('blob', utf8('A = 1\n')));
    expect(files?.prompts.map((p) => p.path).sort()).toEqual([
      '.plue/prompts/review.prompt.md',
      '.plue/prompts/team/x.prompt.md',
    ]);
  });

  it('sends empty lists for a commit without .plue, and peels an annotated tag', async () => {
    const o = new Objects();
    const sha = o.commit({ 'README.md': 'hi' });
    expect(await filesOf(o, sha)).toEqual({ commit: sha, workflows: [], prompts: [] });
    const tag = o.put(
      'tag',
      serializeTag({
        object: sha,
        type: 'commit',
        tag: 'v1',
        message: 'v1\n',
        headers: [
          ['object', sha],
          ['type', 'commit'],
          ['tag', 'v1'],
        ],
      }),
    );
    expect((await filesOf(o, tag))?.commit).toBe(sha);
  });

  it('sends nothing (the controller checks out) for anything but plain files', async () => {
    const o = new Objects();
    const link = { mode: '120000', target: '../../etc/passwd' };
    const cases: Array<{ [name: string]: Node }> = [
      { '.plue': { workflows: { 'a.py': link } } },
      { '.plue': { workflows: { 'a.py': { 'x.py': 'nested' } } } },
      { '.plue': { prompts: { 'p.prompt.md': link } } },
      { '.plue': 'a file, not a directory' },
      { '.plue': { workflows: { 'big.py': new Uint8Array(MAX_FILE_BYTES + 1) } } },
      {
        '.plue': {
          workflows: Object.fromEntries(
            Array.from({ length: MAX_WORKFLOW_FILES + 1 }, (_, i) => [`w${i}.py`, `W = ${i}\n`]),
          ),
        },
      },
    ];
    for (const c of cases) expect(await filesOf(o, o.commit(c))).toBeUndefined();
    // A missing commit, or a blob where a commit should be.
    expect(await filesOf(o, 'f'.repeat(40))).toBeUndefined();
    expect(await filesOf(o, o.put('blob', utf8('x')))).toBeUndefined();
  });

  it('sends nothing when a tree it needs is missing (a broken or shallow history)', async () => {
    const o = new Objects();
    const sha = o.commit({ '.plue': { workflows: { 'a.py': 'A = 1\n' } } });
    const commit = o.map.get(sha);
    for (const oid of [...o.map.keys()]) if (oid !== sha) o.map.delete(oid);
    expect(commit).toBeDefined();
    expect(await filesOf(o, sha)).toBeUndefined();
  });
});
