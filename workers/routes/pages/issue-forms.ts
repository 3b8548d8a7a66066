/**
 * The form actions of one issue page (comment, edit, close or reopen, labels, assignees,
 * milestone, lock, pin, transfer, delete, comment edit/delete, and reactions on the issue or a
 * comment: add one, remove one's own). Each is a plain form POST
 * answered with a 303 back to the issue (POST→redirect→GET); anonymous visitors are sent to sign
 * in; the same-origin check of middleware/csrf.ts covers them, and the services apply the same
 * rules as the API.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { issueOf, repoScope, type RepoScope } from '../../services/issues/access';
import {
  commentOf,
  createComment,
  deleteComment,
  editComment,
  react,
  unreact,
} from '../../services/issues/comments';
import { recordCommentEvent } from '../../services/agents/comment-events';
import { reactionInput } from '../../services/issues/inputs';
import { applyAssignees, applyLabels } from '../../services/issues/issue-meta';
import { deleteIssue, setLocked, setPinned, updateIssue } from '../../services/issues/issues';
import { transferIssue } from '../../services/issues/transfer';
import { actorOf } from '../api/request';
import { formInput, formText } from '../input';

export const issueForm = z.object({ title: formText.default(''), body: formText.default('') });
const commentForm = z.object({ body: formText });
/** The comment form, or the "Ask @plue" box (its text `ask` becomes a comment starting @plue). */
const commentOrAsk = z.union([z.object({ ask: formText }), commentForm]);
const stateForm = z.object({
  state_reason: z.enum(['completed', 'not_planned', 'reopened'], {
    error: 'must be completed, not_planned or reopened',
  }),
});
/** A checkbox list: absent (none ticked), one value, or many. */
const ticked = z
  .union([formText, z.array(formText)])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
const lockForm = z.object({
  locked: z.enum(['true', 'false']),
  lock_reason: z.enum(['', 'off-topic', 'too heated', 'resolved', 'spam']).default(''),
});

export const scope = (c: Context<AppEnv>) =>
  repoScope(
    c.var.db,
    actorOf(c),
    c.req.param('owner') ?? '',
    c.req.param('repo') ?? '',
    new Date(),
  );

export function numberOf(c: Context<AppEnv>): number {
  const raw = c.req.param('number') ?? '';
  if (!/^\d{1,9}$/.test(raw)) throw AppError.notFound('Issue not found', 'issue_not_found');
  return Number(raw);
}

export const issuePath = (s: RepoScope, n: number) =>
  `/${s.repo.owner_login}/${s.repo.name}/issues/${n}`;

/** Runs a form action on an issue, then redirects back to it; anonymous users go to sign in. */
function issueAction(run: (c: Context<AppEnv>, s: RepoScope, n: number) => Promise<string | void>) {
  return async (c: Context<AppEnv>) => {
    const s = await scope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${encodeURIComponent(issuePath(s, n))}`, 303);
    const to = await run(c, s, n);
    return c.redirect(to ?? issuePath(s, n), 303);
  };
}

/** The comment id when the comment belongs to issue `n` of the scope's repository; 404 otherwise. */
async function commentOfIssue(s: RepoScope, n: number, id: string): Promise<string> {
  const { issue } = await commentOf(s, id);
  if (issue.number !== n) throw AppError.notFound('Comment not found', 'comment_not_found');
  return id;
}

export const issueFormRoutes = new Hono<AppEnv>()
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/comments',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, commentOrAsk);
      const body = 'ask' in form ? `@plue ${form.ask.trim()}` : form.body;
      const text = 'ask' in form ? form.ask : form.body;
      if (text.trim() === '') throw AppError.invalid('body: must not be empty', 'body_invalid');
      const { issue, comment } = await createComment(s, n, body);
      await recordCommentEvent(s.db, c.env, s.repo, issue, comment);
      return `${issuePath(s, n)}#issuecomment-${comment.id}`;
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/edit',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, issueForm);
      await updateIssue(s, n, { title: form.title.trim(), body: form.body });
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/comments/:id{[0-9]+}/edit',
    issueAction(async (c, s, n) => {
      const { body } = await formInput(c, commentForm);
      if (body.trim() === '') throw AppError.invalid('body: must not be empty', 'body_invalid');
      const id = await commentOfIssue(s, n, c.req.param('id') ?? '');
      const { comment } = await editComment(s, id, body);
      return `${issuePath(s, n)}#issuecomment-${comment.id}`;
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/comments/:id{[0-9]+}/delete',
    issueAction(async (c, s, n) => {
      await deleteComment(s, await commentOfIssue(s, n, c.req.param('id') ?? ''));
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/reactions',
    issueAction(async (c, s, n) => {
      const { content } = await formInput(c, reactionInput);
      await react(s, { number: n }, content);
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/comments/:id{[0-9]+}/reactions',
    issueAction(async (c, s, n) => {
      const { content } = await formInput(c, reactionInput);
      const id = await commentOfIssue(s, n, c.req.param('id') ?? '');
      await react(s, { commentId: id }, content);
      return `${issuePath(s, n)}#issuecomment-${id}`;
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/reactions/:reaction{[0-9]+}/delete',
    issueAction(async (c, s, n) => {
      await unreact(s, n, c.req.param('reaction') ?? '');
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/state',
    issueAction(async (c, s, n) => {
      const { state_reason } = await formInput(c, stateForm);
      await updateIssue(s, n, {
        state: state_reason === 'reopened' ? 'open' : 'closed',
        state_reason,
      });
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/labels',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ labels: ticked }));
      await applyLabels(s, await issueOf(s, n), form.labels, 'set');
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/assignees',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ assignees: ticked }));
      await applyAssignees(s, await issueOf(s, n), form.assignees, 'set');
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/milestone',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ milestone: formText.default('') }));
      const m = form.milestone;
      if (m !== '' && !/^\d{1,9}$/.test(m)) {
        throw AppError.invalid('milestone: must be a milestone number', 'milestone_invalid');
      }
      await updateIssue(s, n, { milestone: m === '' ? null : Number(m) });
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/lock',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, lockForm);
      const reason = form.lock_reason === '' ? undefined : form.lock_reason;
      await setLocked(s, n, form.locked === 'true', reason);
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/pin',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ pinned: z.enum(['true', 'false']) }));
      await setPinned(s, n, form.pinned === 'true');
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/transfer',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ new_repository: formText.default('') }));
      const moved = await transferIssue(s, n, form.new_repository.trim());
      return `/${moved.repoPath}/issues/${moved.issue.number}`;
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/delete',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ confirm: formText.default('') }));
      if (form.confirm.trim() !== String(n)) {
        throw AppError.invalid(`confirm: type ${n} to delete this issue`, 'confirm_invalid');
      }
      await deleteIssue(s, n);
      return `/${s.repo.owner_login}/${s.repo.name}/issues`;
    }),
  );
