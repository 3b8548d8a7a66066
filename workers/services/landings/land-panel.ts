/**
 * What a landing page shows of reviews and landing (views/landings/land-box.tsx), and deleting a
 * landed landing's source branch (one RepoObject compare-and-swap, refused when a protection rule
 * forbids deleting it).
 */
import { AppError } from '../../../common/errors';
import { ZERO_OID } from '../../../common/git/refs';
import { listReviews, type ReviewRow } from '../../../db/queries/landing-reviews';
import { holds, participant, requireLevel } from '../issues/access';
import { protectionRules } from '../repos/branch-protection-store';
import { REASONS, ruleFor } from '../repos/branch-protection';
import { checkLand, refusalOf } from './landing-land';
import { landingOf, objectsOf, type LandingScope } from './landings';
import { latestVerdicts } from './reviews';

/** The page's review and land state for the viewer. */
export interface LandPanel {
  reviews: ReviewRow[];
  latest: ReviewRow[];
  mayReview: boolean;
  mayVerdict: boolean;
  mayLand: boolean;
  mergeable: boolean | undefined;
  conflicts: Array<{ path: string; kind: string }>;
  refusal: string | undefined;
  bypassed: string[];
  required: Array<{ context: string; state: string | undefined }>;
  head: string;
  /** The source branch still exists and may be deleted by the viewer. */
  deletableBranch: string | undefined;
  error?: string | undefined;
}

export async function landPanel(s: LandingScope, number: number): Promise<LandPanel> {
  const landing = await landingOf(s, number);
  const signedIn = s.actor.user !== undefined && s.actor.scopes.has('repo:write');
  const write = holds(s, 'write');
  const own = landing.author_id === s.actor.user?.id;
  const open = landing.landing_state === 'open';
  const check = open ? await checkLand(s, number) : undefined;
  const reviews = await listReviews(s.db, landing.id);
  const refusal = check ? refusalOf(check) : undefined;
  let deletableBranch: string | undefined;
  if (landing.landing_state === 'landed' && landing.source_branch !== null && write) {
    const { state } = await objectsOf(s);
    const exists = state.refs.some((r) => r.name === `refs/heads/${landing.source_branch}`);
    if (exists) deletableBranch = landing.source_branch;
  }
  return {
    reviews,
    latest: [...latestVerdicts(reviews).values()],
    mayReview: signedIn,
    mayVerdict: signedIn && write && !own && open,
    mayLand: signedIn && write && open,
    mergeable: check?.mergeability?.clean,
    conflicts: (check?.mergeability?.conflicts ?? []).map((c) => ({ path: c.path, kind: c.kind })),
    refusal: refusal?.message,
    bypassed: check?.bypassed ?? [],
    required: check?.required ?? [],
    head: check?.head ?? '',
    deletableBranch,
  };
}

/** Deletes a landed landing's source branch (write access; protection's deletion rule). */
export async function deleteSourceBranch(s: LandingScope, number: number): Promise<void> {
  participant(s);
  await requireLevel(s, 'write');
  const landing = await landingOf(s, number);
  const branch = landing.source_branch;
  if (landing.landing_state !== 'landed' || branch === null) {
    throw AppError.conflict('Only a landed landing’s source branch is deleted here', 'not_landed');
  }
  const rule = ruleFor(await protectionRules(s.db, s.repo.id), branch);
  if (rule && !rule.allowDeletions) throw AppError.forbidden(REASONS.deletion, 'protected_branch');
  const { ctx, state } = await objectsOf(s);
  const ref = `refs/heads/${branch}`;
  const old = state.refs.find((r) => r.name === ref)?.oid;
  if (!old) return;
  const outcome = await ctx.refs.push({
    commands: [{ ref, oldOid: old, newOid: ZERO_OID }],
    atomic: true,
    defaultBranch: s.repo.default_branch,
    seenPushedPacks: state.pushedPacks,
    keepsExact: false,
  });
  if (!outcome.applied) throw AppError.conflict(`Branch ${branch} moved; try again`, 'ref_moved');
}
