import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import { insertIssue } from './queries/issues';
import {
  countUnread,
  findThread,
  listThreads,
  markAllRead,
  upsertThreads,
} from './queries/notifications';
import { deleteCollaborator, insertRepo, upsertCollaborator } from './queries/repositories';
import { createUserWithWallet } from './queries/users';

const all = { unreadOnly: false, participating: false };

describe.each(BACKENDS)('notification threads on %s', (kind) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await tdb?.close();
  });

  it('lists, counts and marks read only what the user may still read', async () => {
    const db = tdb.open();
    try {
      const owner = await createUserWithWallet(db, 'nowner', '0x' + 'b'.repeat(40));
      const reader = await createUserWithWallet(db, 'nreader', '0x' + 'c'.repeat(40));
      const repo = async (name: string, priv: boolean) =>
        (await insertRepo(db, {
          ownerId: owner.id,
          name,
          description: '',
          private: priv,
          defaultBranch: 'main',
        }))!; // a fresh name in a fresh database always inserts
      const pub = await repo('pub', false);
      const priv = await repo('priv', true);
      await upsertCollaborator(db, priv.id, reader.id, 'read');
      const t0 = new Date('2026-01-01T00:00:00Z');
      const at = (min: number) => new Date(t0.getTime() + min * 60_000);
      const issue = (r: { id: string }, title: string) =>
        insertIssue(db, { repoId: r.id, authorId: owner.id, title, body: '', now: t0 });
      const a = await issue(pub, 'a');
      const b = await issue(priv, 'b');
      const c = await issue(pub, 'c');
      const last = (min: number) => ({
        actorId: owner.id,
        event: 'commented',
        commentId: null,
        now: at(min),
      });
      await upsertThreads(db, a.id, [{ userId: reader.id, reason: 'mention' }], last(1));
      await upsertThreads(db, b.id, [{ userId: reader.id, reason: 'assign' }], last(2));
      await upsertThreads(db, c.id, [{ userId: reader.id, reason: 'subscribed' }], last(3));
      const page = { limit: 10, offset: 0 };
      const titles = async (f = all) =>
        (await listThreads(db, reader.id, f, page)).rows.map((t) => t.issue_title);
      expect(await titles()).toEqual(['c', 'b', 'a']);
      expect(await titles({ ...all, participating: true })).toEqual(['b', 'a']);
      expect(await countUnread(db, reader.id, 100)).toBe(3);
      expect(await countUnread(db, reader.id, 2)).toBe(2);

      // Read up to minute 2: only c stays unread; unread-first puts it on top.
      expect(await markAllRead(db, reader.id, at(2), at(10))).toBe(2);
      expect(await titles({ ...all, unreadOnly: true })).toEqual(['c']);
      // A bump makes a read thread unread again, with the newest reason.
      await upsertThreads(db, a.id, [{ userId: reader.id, reason: 'comment' }], last(4));
      const first = await listThreads(db, reader.id, { ...all, unreadFirst: true }, page);
      expect(first.rows.map((t) => [t.issue_title, t.unread, t.reason])).toEqual([
        ['a', true, 'comment'],
        ['c', true, 'subscribed'],
        ['b', false, 'assign'],
      ]);

      // Access removed: the private repository's thread is gone from every read.
      const threadB = first.rows.find((t) => t.issue_title === 'b');
      await deleteCollaborator(db, priv.id, reader.id);
      expect(await titles()).toEqual(['a', 'c']);
      expect((await listThreads(db, reader.id, all, page)).total).toBe(2);
      expect(await findThread(db, reader.id, threadB?.id ?? '')).toBeUndefined();
      // Another user never reads it, even with its id.
      expect(await findThread(db, owner.id, first.rows[0]?.id ?? '')).toBeUndefined();
    } finally {
      await db.end();
    }
  });
});
