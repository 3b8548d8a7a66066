import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/helpers/databases';
import { insertRepo, type RepoRow } from '../../../db/queries/repositories';
import { createUserWithWallet } from '../../../db/queries/users';
import { insertIssue } from '../../../db/queries/issues';
import type { Actor } from '../repos/authz';
import { renderIssueTexts, taskProgress, type CommitSource } from './render';

describe('issue markdown', () => {
  let tdb: TestDatabase;
  let pub: RepoRow;
  let owner: Actor;
  const anon: Actor = { scopes: new Set() };
  beforeAll(async () => {
    tdb = await openTestDatabase('pglite');
    const db = tdb.open();
    const o = await createUserWithWallet(db, 'mdowner', '0x' + '1'.repeat(40));
    await createUserWithWallet(db, 'Bob', '0x' + '2'.repeat(40));
    owner = { user: { id: o.id }, scopes: new Set(['repo:read', 'repo:write', 'admin']) };
    const mk = async (name: string, priv: boolean) => {
      const r = await insertRepo(db, {
        ownerId: o.id,
        name,
        description: '',
        private: priv,
        defaultBranch: 'main',
      });
      if (!r) throw new Error('no repo');
      await insertIssue(db, {
        repoId: r.id,
        authorId: o.id,
        title: `<b>${name}</b>`,
        body: '',
        now: new Date(),
      });
      return r;
    };
    pub = await mk('pub', false);
    await mk('secret', true);
    await db.end();
  }, 60_000);
  afterAll(async () => {
    await tdb?.close();
  });

  const render = async (actor: Actor, text: string) => {
    const db = tdb.open();
    try {
      return (await renderIssueTexts(db, actor, pub, [text]))[0] ?? '';
    } finally {
      await db.end();
    }
  };

  it('links existing issues, visible cross-repository issues, users and commits', async () => {
    const sha = 'c'.repeat(40);
    const html = await render(owner, `#1 #2 mdowner/secret#1 @bob @nobody ${sha} \`#1\``);
    expect(html).toContain('<a class="issue-ref" href="/mdowner/pub/issues/1"');
    expect(html).toContain('title="&lt;b&gt;pub&lt;/b&gt; (open)"');
    expect(html).not.toContain('issues/2');
    expect(html).toContain('href="/mdowner/secret/issues/1"');
    expect(html).toContain('<a class="mention" href="/Bob">@bob</a>');
    expect(html).not.toContain('href="/nobody"');
    expect(html).toContain(`href="/mdowner/pub/commit/${sha}"`);
    expect(html).toContain('<code>#1</code>');
  });

  it('does not link issues of a private repository the viewer cannot read', async () => {
    const html = await render(anon, 'mdowner/secret#1 and #1');
    expect(html).not.toContain('secret/issues');
    expect(html).toContain('mdowner/secret#1');
    expect(html).toContain('href="/mdowner/pub/issues/1"');
  });

  it('links a short commit id only when it names exactly one commit', async () => {
    // Objects as the pack indexes would list them: one commit under abc1234…, two commits
    // sharing deadbee…, and a blob under 1234abc….
    const one = 'abc1234' + '5'.repeat(33);
    const twins = ['deadbee' + '0'.repeat(33), 'deadbee' + '1'.repeat(33)];
    const blob = '1234abc' + '6'.repeat(33);
    const types = new Map<string, 'commit' | 'blob'>([
      [one, 'commit'],
      [twins[0] ?? '', 'commit'],
      [twins[1] ?? '', 'commit'],
      [blob, 'blob'],
    ]);
    let prefixLookups = 0;
    const source: CommitSource = {
      reader: {
        read: (oid) => {
          const type = types.get(oid);
          return Promise.resolve(type ? { type, body: new Uint8Array() } : undefined);
        },
      },
      findPrefix: (prefix) => {
        prefixLookups++;
        return Promise.resolve([...types.keys()].filter((oid) => oid.startsWith(prefix)));
      },
    };
    const db = tdb.open();
    try {
      const text = 'see abc1234 and abc12345, deadbee, 1234abc, 1234567, `abc1234` x-abc1234';
      const [html] = await renderIssueTexts(db, owner, pub, [text], () => Promise.resolve(source));
      const link = `<a class="commit-ref" href="/mdowner/pub/commit/${one}"><code>abc1234</code></a>`;
      expect(html?.split(link).length).toBe(3);
      expect(html).not.toContain('commit/deadbee');
      expect(html).not.toContain('commit/1234');
      expect(html).toContain('<code>abc1234</code> x-abc1234</p>');
      // At most 20 candidates per render batch, however many the texts hold.
      prefixLookups = 0;
      const many = Array.from({ length: 30 }, (_, i) => `abcd${String(i).padStart(3, '0')}f`);
      await renderIssueTexts(db, owner, pub, [many.join(' ')], () => Promise.resolve(source));
      expect(prefixLookups).toBe(20);
    } finally {
      await db.end();
    }
  });

  it.each([
    ['<script>alert(1)</script>', '<script'],
    ['<img src=x onerror=alert(1)>', '<img'],
    ['[x](javascript:alert(1))', 'javascript:'],
    ['[x](java\tscript:alert(1))', 'href="java'],
    ['![x](data:text/html;base64,PHNjcmlwdD4=)', 'data:'],
    ['<a href="x" onclick="y">z</a>', '<a href="x"'],
    ['[x](&#106;avascript:alert(1))', 'avascript:'],
    ['```html\n<script>alert(1)</script>\n```', '<script'],
    ['"><svg onload=alert(1)>', '<svg'],
    ['#1"><script>', '<script'],
  ])('neutralises %j', async (src, bad) => {
    const html = await render(owner, src);
    expect(html.toLowerCase()).not.toContain(bad);
  });

  it('highlights fenced code and counts task lists', async () => {
    const html = await render(owner, '```ts\nconst a = 1;\n```');
    expect(html).toContain('class="hljs language-typescript"');
    expect(html).toContain('hljs-keyword');
    expect(taskProgress('- [x] a\n- [ ] b\n- [X] c\n\n```\n- [ ] no\n```')).toEqual({
      total: 3,
      done: 2,
    });
  });
});
