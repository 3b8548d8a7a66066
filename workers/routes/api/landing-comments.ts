/**
 * Review comments on a landing's code and review requests, shaped like GitHub's pulls review
 * comments (`/pulls/{n}/comments`, `/pulls/comments/{id}`, `in_reply_to`) and requested
 * reviewers. `?revision=` places every thread on that revision (the latest by default): comments
 * of other revisions are ported while unresolved (line null when not shown there). Resolving a
 * thread, which GitHub does over GraphQL, is `PUT`/`DELETE .../comments/{id}/resolution`.
 * Applying a comment's suggested change (GitHub has no REST call for it) is
 * `POST .../landings/{n}/comments/{id}/apply` with an optional `{sha}` (the head it was seen on):
 * the same service, permission and branch protection as the page's "Apply suggestion" button.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { publicOrigin } from '../../services/platform/public-url';
import {
  lineCommentEditInput,
  lineCommentInput,
  reviewersInput,
} from '../../services/landings/comment-inputs';
import { lineCommentView, reviewRequestView } from '../../services/landings/comment-views';
import { revisionsOf, type LandingScope } from '../../services/landings/landings';
import {
  createLineComment,
  deleteLineComment,
  editLineComment,
  lineCommentOf,
  lineCommentsOf,
  resolveThread,
  type LineCommentRow,
  type RevisionRow,
} from '../../services/landings/line-comments';
import { changeReviewRequests, reviewRequestsOf } from '../../services/landings/review-requests';
import { applySuggestion } from '../../services/landings/apply-suggestion';
import { objectsOf } from '../../services/landings/landings';
import { edgeCache } from '../../services/cache/cache';
import { onPushed } from '../../services/git/after-push';
import { errorFields } from '../../../common/log';
import { jsonInput, optionalJsonInput, queryInput, queryNumber } from '../input';
import { bodiesHtml, pathNumber } from './issue-request';
import { landingScope } from './landing-request';

const LANDING = '/repos/:owner/:repo/landings/:number{[0-9]+}';
const COMMENT = '/repos/:owner/:repo/landings/comments/:id{[0-9]+}';
const revisionQuery = z.object({ revision: queryNumber('a revision number').optional() });
const applyInput = z.object({
  sha: z
    .string({ error: 'must be a commit id' })
    .regex(/^[0-9a-f]{40}$/, 'must be a 40-hex commit id')
    .optional(),
});

/** One comment as written (on its own revision, at its own lines). */
async function asWritten(
  c: Context<AppEnv>,
  s: LandingScope,
  number: number,
  row: LineCommentRow,
  root: LineCommentRow,
) {
  const revisions = await revisionsOf(s, number);
  const shownOn = revisions.find((r) => r.id === row.revision_id) as RevisionRow;
  const [html] = await bodiesHtml(c, s, [row.body]);
  const at = { shownOn, startLine: root.start_line, endLine: root.end_line, outdated: false, root };
  return lineCommentView(row, at, number, revisions, publicOrigin(c.env), s.repo, html);
}

async function rootOf(s: LandingScope, row: LineCommentRow): Promise<LineCommentRow> {
  if (row.in_reply_to === null) return row;
  return (await lineCommentOf(s, row.in_reply_to)).comment;
}

async function requested(s: LandingScope, number: number) {
  return { users: (await reviewRequestsOf(s, number)).map(reviewRequestView), teams: [] };
}

export const landingCommentRoutes = new Hono<AppEnv>()
  .get(`${LANDING}/comments`, async (c) => {
    const s = await landingScope(c);
    const q = queryInput(c, revisionQuery.passthrough());
    const number = pathNumber(c, 'number');
    const { comments } = await lineCommentsOf(s, number, q.revision);
    const revisions = await revisionsOf(s, number);
    const html = await bodiesHtml(
      c,
      s,
      comments.map((x) => x.row.body),
    );
    const origin = publicOrigin(c.env);
    return c.json(
      comments.map((x, k) => lineCommentView(x.row, x, number, revisions, origin, s.repo, html[k])),
    );
  })
  .post(`${LANDING}/comments`, async (c) => {
    const s = await landingScope(c);
    const number = pathNumber(c, 'number');
    const row = await createLineComment(s, number, await jsonInput(c, lineCommentInput));
    return c.json(await asWritten(c, s, number, row, await rootOf(s, row)), 201);
  })
  .get(COMMENT, async (c) => {
    const s = await landingScope(c);
    const { landing, comment } = await lineCommentOf(s, c.req.param('id'));
    return c.json(await asWritten(c, s, landing.number, comment, await rootOf(s, comment)));
  })
  .patch(COMMENT, async (c) => {
    const s = await landingScope(c);
    const { body } = await jsonInput(c, lineCommentEditInput);
    const row = await editLineComment(s, c.req.param('id'), body);
    const { landing } = await lineCommentOf(s, row.id);
    return c.json(await asWritten(c, s, landing.number, row, await rootOf(s, row)));
  })
  .delete(COMMENT, async (c) => {
    const s = await landingScope(c);
    await deleteLineComment(s, c.req.param('id'));
    return c.body(null, 204);
  })
  .put(`${COMMENT}/resolution`, async (c) => {
    const s = await landingScope(c);
    const root = await resolveThread(s, c.req.param('id'), true);
    const { landing } = await lineCommentOf(s, root.id);
    return c.json(await asWritten(c, s, landing.number, root, root));
  })
  .delete(`${COMMENT}/resolution`, async (c) => {
    const s = await landingScope(c);
    const root = await resolveThread(s, c.req.param('id'), false);
    const { landing } = await lineCommentOf(s, root.id);
    return c.json(await asWritten(c, s, landing.number, root, root));
  })
  .post(`${LANDING}/comments/:id{[0-9]+}/apply`, async (c) => {
    const s = await landingScope(c);
    const number = pathNumber(c, 'number');
    const { sha } = await optionalJsonInput(c, applyInput);
    const applied = await applySuggestion(s, number, c.req.param('id'), sha);
    if (applied.refs.length > 0) {
      // A branch moved: what a push does next, which adds the landing's revision.
      const log = c.var.log;
      const exec = c.executionCtx;
      const cache = edgeCache((p) => exec.waitUntil(p), c.var.memory);
      const { ctx } = await objectsOf(s);
      const actorId = s.actor.user?.id ?? '';
      await onPushed(
        c.env,
        ctx,
        cache,
        { refs: applied.refs, head: applied.headRef, actorId },
        log,
      ).catch((e: unknown) => log.error('after applying a suggestion failed', errorFields(e)));
    }
    const revisions = await revisionsOf(s, number);
    const latest = revisions[revisions.length - 1];
    return c.json({
      sha: applied.head,
      revision: latest && latest.head_oid === applied.head ? latest.number : null,
      resolved: true,
    });
  })
  .get(`${LANDING}/requested_reviewers`, async (c) => {
    const s = await landingScope(c);
    return c.json(await requested(s, pathNumber(c, 'number')));
  })
  .post(`${LANDING}/requested_reviewers`, async (c) => {
    const s = await landingScope(c);
    const number = pathNumber(c, 'number');
    const { reviewers } = await jsonInput(c, reviewersInput);
    await changeReviewRequests(s, number, reviewers, 'add');
    return c.json(await requested(s, number), 201);
  })
  .delete(`${LANDING}/requested_reviewers`, async (c) => {
    const s = await landingScope(c);
    const number = pathNumber(c, 'number');
    const { reviewers } = await jsonInput(c, reviewersInput);
    await changeReviewRequests(s, number, reviewers, 'remove');
    return c.json(await requested(s, number));
  });
