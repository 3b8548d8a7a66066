import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import { insertRepo, upsertCollaborator } from './queries/repositories';
import { createUserWithWallet } from './queries/users';
import { findIssue, insertIssue, addMentions, updateIssue } from './queries/issues';
import {
  addAssignees,
  addIssueLabels,
  assignableUsers,
  findMilestone,
  insertMilestone,
  labelsNamed,
  listLabels,
} from './queries/issue-meta';
import {
  addReaction,
  editComment,
  insertComment,
  listEdits,
  reactionCounts,
} from './queries/issue-comments';
import { insertIssueEvents, listIssueEvents } from './queries/issue-events';
import { searchIssues, type IssueFilter } from './queries/issues-search';

const all: IssueFilter = {
  labels: [],
  notLabels: [],
  noAssignee: false,
  noLabel: false,
  text: '',
  sort: 'created',
  direction: 'asc',
};

describe.each(BACKENDS)('issue tables on %s', (kind) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await tdb?.close();
  });

  it('numbers issues per repository atomically and gives new repositories default labels', async () => {
    const db = tdb.open();
    try {
      const o = await createUserWithWallet(db, 'iowner', '0x' + 'a'.repeat(40));
      const repo = await insertRepo(db, {
        ownerId: o.id,
        name: 'nums',
        description: '',
        private: false,
        defaultBranch: 'main',
      });
      const repoId = repo?.id ?? '';
      expect((await listLabels(db, repoId)).map((l) => l.name)).toContain('good first issue');
      // Concurrent creators on separate connections never share a number.
      const handles = Array.from({ length: 6 }, () => tdb.open());
      const made = await Promise.all(
        handles.map((h, k) =>
          h.transaction((tx) =>
            insertIssue(tx, { repoId, authorId: o.id, title: `t${k}`, body: '', now: new Date() }),
          ),
        ),
      );
      await Promise.all(handles.map((h) => h.end()));
      expect(made.map((i) => i.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await db.end();
    }
  });

  it('closes, labels, assigns, comments with history, reacts and searches', async () => {
    const db = tdb.open();
    try {
      const o = await createUserWithWallet(db, 'sowner', '0x' + 'b'.repeat(40));
      const w = await createUserWithWallet(db, 'swriter', '0x' + 'c'.repeat(40));
      const r = await createUserWithWallet(db, 'sreader', '0x' + 'd'.repeat(40));
      const repo = await insertRepo(db, {
        ownerId: o.id,
        name: 'search',
        description: '',
        private: false,
        defaultBranch: 'main',
      });
      const repoId = repo?.id ?? '';
      await upsertCollaborator(db, repoId, w.id, 'write');
      await upsertCollaborator(db, repoId, r.id, 'read');
      expect((await assignableUsers(db, repoId)).map((u) => u.login)).toEqual([
        'sowner',
        'swriter',
      ]);
      const now = new Date();
      const a = await insertIssue(db, {
        repoId,
        authorId: r.id,
        title: 'Crash when parsing packfiles',
        body: 'The parser crashes',
        now,
      });
      const b = await insertIssue(db, {
        repoId,
        authorId: o.id,
        title: 'Add dark mode',
        body: 'please',
        now,
      });
      const [bug] = await labelsNamed(db, repoId, ['BUG']);
      await addIssueLabels(db, a.id, [bug?.id ?? '']);
      await addAssignees(db, a.id, [w.id]);
      await addMentions(db, b.id, ['SWRITER', 'nobody']);
      const ms = await insertMilestone(db, repoId, {
        title: 'v1',
        description: '',
        dueOn: null,
        creatorId: o.id,
        now,
      });
      await updateIssue(db, b.id, { milestoneId: ms?.id ?? null }, now);
      const closed = await updateIssue(
        db,
        b.id,
        { state: 'closed', stateReason: 'not_planned', closedById: o.id },
        now,
      );
      expect(closed).toMatchObject({ state: 'closed', state_reason: 'not_planned' });
      expect(closed?.closed_at).not.toBeNull();
      expect(await findMilestone(db, repoId, { title: 'V1' })).toMatchObject({
        open_issues: 0,
        closed_issues: 1,
      });
      const page = { limit: 10, offset: 0 };
      const nums = async (f: Partial<IssueFilter>) =>
        (await searchIssues(db, repoId, { ...all, ...f }, page)).rows.map((i) => i.number);
      expect(await nums({ text: 'crashes' })).toEqual([a.number]);
      expect(await nums({ text: 'parse' })).toEqual([a.number]);
      expect(await nums({ labels: ['bug'] })).toEqual([a.number]);
      expect(await nums({ notLabels: ['bug'] })).toEqual([b.number]);
      expect(await nums({ assignee: 'SWRITER' })).toEqual([a.number]);
      expect(await nums({ noAssignee: true })).toEqual([b.number]);
      expect(await nums({ author: 'sreader' })).toEqual([a.number]);
      expect(await nums({ mentions: 'swriter' })).toEqual([b.number]);
      expect(await nums({ milestone: 'v1' })).toEqual([b.number]);
      expect(await nums({ milestone: null })).toEqual([a.number]);
      expect(await nums({ state: 'open' })).toEqual([a.number]);
      expect(await nums({ direction: 'desc' })).toEqual([b.number, a.number]);
      const counts = await searchIssues(db, repoId, { ...all, state: 'open' }, page);
      expect([counts.open, counts.closed]).toEqual([1, 1]);

      const c = await insertComment(db, { issueId: a.id, authorId: w.id, body: 'first', now });
      await editComment(db, c, 'second', w.id, now);
      expect((await listEdits(db, a.id, c.id)).map((e) => e.body_before)).toEqual(['first']);
      expect((await findIssue(db, repoId, a.number))?.comments_count).toBe(1);
      const first = await addReaction(db, {
        issueId: a.id,
        commentId: null,
        userId: r.id,
        content: 'heart',
      });
      const again = await addReaction(db, {
        issueId: a.id,
        commentId: null,
        userId: r.id,
        content: 'heart',
      });
      expect([first.created, again.created, again.row.id]).toEqual([true, false, first.row.id]);
      expect((await reactionCounts(db, a.id)).get('')?.get('heart')).toBe(1);
    } finally {
      await db.end();
    }
  });

  it('hides references from private repositories the viewer cannot read', async () => {
    const db = tdb.open();
    try {
      const o = await createUserWithWallet(db, 'rowner', '0x' + 'e'.repeat(40));
      const s = await createUserWithWallet(db, 'rstranger', '0x' + 'f'.repeat(40));
      const mk = (name: string, priv: boolean) =>
        insertRepo(db, {
          ownerId: o.id,
          name,
          description: '',
          private: priv,
          defaultBranch: 'main',
        });
      const pub = await mk('pub', false);
      const secret = await mk('secret', true);
      const now = new Date();
      const issue = await insertIssue(db, {
        repoId: pub?.id ?? '',
        authorId: o.id,
        title: 'x',
        body: '',
        now,
      });
      await insertIssueEvents(db, [
        { issueId: issue.id, actorId: o.id, event: 'opened', now },
        {
          issueId: issue.id,
          actorId: o.id,
          event: 'cross-referenced',
          data: { key: 'k' },
          sourceRepoId: secret?.id ?? null,
          now,
        },
      ]);
      const page = { limit: 50, offset: 0 };
      expect((await listIssueEvents(db, issue.id, o.id, page)).map((e) => e.event)).toEqual([
        'opened',
        'cross-referenced',
      ]);
      expect((await listIssueEvents(db, issue.id, s.id, page)).map((e) => e.event)).toEqual([
        'opened',
      ]);
      expect((await listIssueEvents(db, issue.id, null, page)).length).toBe(1);
    } finally {
      await db.end();
    }
  });
});
