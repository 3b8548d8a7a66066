/**
 * The landing page's review forms (plain POSTs behind the same-origin check, no script): a
 * review comment on a line of a revision or a reply to a thread, resolving or unresolving a
 * thread, applying a suggested change (apply-suggestion.ts), and asking for (or withdrawing)
 * reviews. Each calls the service the API uses and
 * redirects back to the page it came from (`back`, only ever a path under this landing).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { lineCommentInput, reviewersInput } from '../../services/landings/comment-inputs';
import { AppError } from '../../../common/errors';
import { errorFields } from '../../../common/log';
import { applySuggestion } from '../../services/landings/apply-suggestion';
import { edgeCache } from '../../services/cache/cache';
import { onPushed } from '../../services/git/after-push';
import { objectsOf, type LandingScope } from '../../services/landings/landings';
import { createLineComment, resolveThread } from '../../services/landings/line-comments';
import { changeReviewRequests } from '../../services/landings/review-requests';
import { formInput, formText, parseInput } from '../input';
import { numberOf } from './issue-forms';
import { landBoxAction, landingPath, landingScope } from './landings';

const LANDING = '/:owner/:repo/landings/:number{[0-9]+}';
const digits = z.string().regex(/^\d{1,15}$/, 'must be a number');

const commentForm = z.object({
  body: formText,
  back: formText.optional(),
  in_reply_to: digits.optional(),
  path: formText.optional(),
  side: z.enum(['LEFT', 'RIGHT']).optional(),
  line: digits.optional(),
  // An empty "from line" field means a one-line comment.
  start_line: z.union([z.literal(''), digits]).optional(),
  revision: digits.optional(),
});
const resolutionForm = z.object({
  resolved: z.enum(['true', 'false']),
  back: formText.optional(),
});
const applyForm = z.object({
  head: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
});
const reviewersForm = z.object({
  reviewers: z.union([formText, z.array(formText)]),
  mode: z.enum(['add', 'remove']).default('add'),
});

/** Where to go after a form: `back` when it is this landing's page, else the page itself. */
function backTo(s: LandingScope, n: number, back: string | undefined, hash = ''): string {
  const self = landingPath(s, n);
  const ok = back !== undefined && (back === self || back.startsWith(`${self}?`));
  const path = ok ? back.replace(/#.*$/, '') : self;
  return `${path}${hash}`;
}

export const landingReviewRoutes = new Hono<AppEnv>()
  .post(`${LANDING}/comments`, async (c) => {
    const s = await landingScope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${landingPath(s, n)}`, 303);
    const f = await formInput(c, commentForm);
    const input = parseInput(
      lineCommentInput,
      f.in_reply_to !== undefined
        ? { body: f.body, in_reply_to: Number(f.in_reply_to) }
        : {
            body: f.body,
            path: f.path,
            line: f.line === undefined ? undefined : Number(f.line),
            ...(f.start_line ? { start_line: Number(f.start_line) } : {}),
            side: f.side ?? 'RIGHT',
            ...(f.revision !== undefined ? { revision: Number(f.revision) } : {}),
          },
    );
    const row = await createLineComment(s, n, input);
    return c.redirect(backTo(s, n, f.back, `#comment-${row.id}`), 303);
  })
  .post(`${LANDING}/comments/:id{[0-9]+}/resolution`, async (c) => {
    const s = await landingScope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${landingPath(s, n)}`, 303);
    const f = await formInput(c, resolutionForm);
    const root = await resolveThread(s, c.req.param('id'), f.resolved === 'true');
    return c.redirect(backTo(s, n, f.back, `#comment-${root.id}`), 303);
  })
  .post(`${LANDING}/comments/:id{[0-9]+}/apply`, async (c) => {
    const s = await landingScope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${landingPath(s, n)}`, 303);
    const f = await formInput(c, applyForm);
    const env = c.env;
    const log = c.var.log;
    const exec = c.executionCtx;
    const actorId = c.var.user.id;
    const apply = async () => {
      const applied = await applySuggestion(s, n, c.req.param('id'), f.head);
      if (applied.refs.length > 0) {
        // A branch moved: what a push does next, which adds the landing's revision.
        const cache = edgeCache((p) => exec.waitUntil(p), c.var.memory);
        const { ctx } = await objectsOf(s);
        // The refs moved: a failure from here on is logged, and the page shows what there is.
        await onPushed(
          env,
          ctx,
          cache,
          { refs: applied.refs, head: applied.headRef, actorId },
          log,
        ).catch((e: unknown) => log.error('after applying a suggestion failed', errorFields(e)));
      }
    };
    return landBoxAction(c, landingPath(s, n), apply, {
      done: `${landingPath(s, n)}?tab=files`,
      shown: (err): err is AppError =>
        err instanceof AppError && (err.kind === 'conflict' || err.code === 'protected_branch'),
    });
  })
  .post(`${LANDING}/requested_reviewers`, async (c) => {
    const s = await landingScope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${landingPath(s, n)}`, 303);
    const f = await formInput(c, reviewersForm);
    const logins = (Array.isArray(f.reviewers) ? f.reviewers : [f.reviewers])
      .flatMap((x) => x.split(/[\s,]+/))
      .map((x) => x.replace(/^@/, ''))
      .filter((x) => x !== '');
    const { reviewers } = parseInput(reviewersInput, { reviewers: logins });
    await changeReviewRequests(s, n, reviewers, f.mode);
    return c.redirect(landingPath(s, n), 303);
  });
