/**
 * Reviews and landing over the API, in the shape of GitHub's pull request reviews and merge:
 * `GET|POST …/landings/{n}/reviews`, `PUT …/reviews/{id}/dismissals`, `GET …/merge` (204 landed,
 * 404 not) and `PUT …/merge` (merge_method `merge` | `rebase` | `fast-forward`; GitHub's `squash`
 * is refused (400) since a squash would drop the change ids a landing follows; `sha` is the
 * expected head). `GET …/mergeability` says whether and why it may land. Authorisation is in the
 * services (reviews.ts, landing-land.ts).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { errorFields } from '../../../common/log';
import { edgeCache } from '../../services/cache/cache';
import { onPushed } from '../../services/git/after-push';
import { landingOf, objectsOf, type LandingScope } from '../../services/landings/landings';
import { checkLand, landLanding, refusalOf } from '../../services/landings/landing-land';
import {
  dismissInput,
  dismissReview,
  reviewInput,
  reviewsOf,
  reviewView,
  submitReview,
} from '../../services/landings/reviews';
import { publicOrigin } from '../../services/platform/public-url';
import { jsonInput } from '../input';
import { landingNumber, landingScope } from './landing-request';

function htmlUrl(c: Context<AppEnv>, s: LandingScope, n: number): string {
  return `${publicOrigin(c.env)}/${s.repo.owner_login}/${s.repo.name}/landings/${n}`;
}

const mergeInput = z.object({
  merge_method: z.enum(['merge', 'rebase', 'squash', 'fast-forward']).optional(),
  sha: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  commit_title: z.string().max(1024).optional(),
  commit_message: z.string().max(65536).optional(),
});

const P = '/repos/:owner/:repo/landings/:number{[0-9]+}';

export const landingReviewRoutes = new Hono<AppEnv>()
  .get(`${P}/reviews`, async (c) => {
    const s = await landingScope(c);
    const n = landingNumber(c);
    return c.json((await reviewsOf(s, n)).map((r) => reviewView(r, htmlUrl(c, s, n))));
  })
  .post(`${P}/reviews`, async (c) => {
    const s = await landingScope(c);
    const n = landingNumber(c);
    const review = await submitReview(s, n, await jsonInput(c, reviewInput));
    return c.json(reviewView(review, htmlUrl(c, s, n)), 200);
  })
  .put(`${P}/reviews/:id{[0-9]+}/dismissals`, async (c) => {
    const s = await landingScope(c);
    const n = landingNumber(c);
    const { message } = await jsonInput(c, dismissInput);
    const review = await dismissReview(s, n, c.req.param('id'), message);
    return c.json(reviewView(review, htmlUrl(c, s, n)));
  })
  .get(`${P}/merge`, async (c) => {
    const s = await landingScope(c);
    const landing = await landingOf(s, landingNumber(c));
    if (landing.landing_state !== 'landed') {
      throw AppError.notFound('This landing request has not landed', 'not_landed');
    }
    return c.body(null, 204);
  })
  .get(`${P}/mergeability`, async (c) => {
    const s = await landingScope(c);
    const check = await checkLand(s, landingNumber(c));
    const refusal = refusalOf(check);
    return c.json({
      head: check.head,
      revision: check.revision,
      target_tip: check.targetTip ?? null,
      mergeable: check.mergeability?.clean ?? null,
      conflicts: (check.mergeability?.conflicts ?? []).map((x) => ({ path: x.path, kind: x.kind })),
      may_land: refusal === undefined && check.mergeability?.clean === true,
      refusal: refusal ?? null,
      protection: { reasons: check.reasons, bypassed: check.bypassed, required: check.required },
    });
  })
  .put(`${P}/merge`, async (c) => {
    const s = await landingScope(c);
    const n = landingNumber(c);
    const input = await jsonInput(c, mergeInput);
    if (input.merge_method === 'squash') {
      throw AppError.invalid(
        'Squash is not offered: it would drop the change ids the landing follows; use rebase, merge or fast-forward',
        'squash_unsupported',
      );
    }
    const env = c.env;
    const log = c.var.log;
    const exec = c.executionCtx;
    const cache = edgeCache((p) => exec.waitUntil(p), c.var.memory);
    const { ctx } = await objectsOf(s);
    const actorId = s.actor.user?.id;
    const message =
      input.commit_title !== undefined
        ? `${input.commit_title}\n\n${input.commit_message ?? ''}`.trimEnd() + '\n'
        : undefined;
    const { result } = await landLanding(
      s,
      n,
      {
        method: input.merge_method ?? 'merge',
        ...(input.sha !== undefined ? { sha: input.sha } : {}),
        ...(message !== undefined ? { message } : {}),
      },
      {
        onPushed: (refs, head) => onPushed(env, ctx, cache, { refs, head, actorId }, log),
        onError: (e) => log.error('after land failed', errorFields(e)),
      },
    );
    return c.json({
      sha: result.newTarget,
      merged: true,
      method: result.method,
      fast_forward: result.fastForward,
      commits: result.commits,
      message: 'Landed',
    });
  });
