/**
 * Landing a landing request (the API's `PUT …/merge` and the page's Land button): write access,
 * an open landing whose stack below has landed, the expected head (`sha`), mergeability computed
 * on the server (conflicts per file, cached per head and target tip), then branch protection
 * (evaluateLand on the governing rule, read once: approvals that still count, the last pusher,
 * required statuses on the revision's head, the lander), then land()'s
 * one compare-and-swap, then recordLanded. Every refusal carries readable reasons.
 */
import { AppError } from '../../../common/errors';
import { latestStatuses } from '../../../db/queries/commit-statuses';
import { listRevisions, stackNeighbours, type LandingRow } from '../../../db/queries/landings';
import { findUserById } from '../../../db/queries/users';
import { holds, participant, requireLevel } from '../issues/access';
import { evaluateLand, ruleFor } from '../repos/branch-protection';
import { protectionRules } from '../repos/branch-protection-store';
import type { ObjectReader } from '../browse/objects';
import { checkMergeability } from './engine/mergeability';
import { land, type LandHooks, type LandMethod, type LandResult } from './land';
import { landingOf, objectsOf, type LandingScope } from './landings';
import { cachedMergeability, type CachedMergeability } from './mergeability-cache';
import { recordLanded } from './record';
import { ringClaims } from '../runs/claim-bell';
import { countedApprovals } from './reviews';

/** What the page and the API show before a land: whether it may land, and why not. */
export interface LandCheck {
  landing: LandingRow;
  targetTip: string | undefined;
  head: string;
  revision: number;
  /** Conflicts per file; cached per (head, base, target tip): mergeability-cache.ts. */
  mergeability: CachedMergeability | undefined;
  /** The open landing below in the stack, which must land first. */
  below: number | undefined;
  /** Protection's refusals (empty: allowed), and what an administrator bypasses. */
  reasons: string[];
  bypassed: string[];
  /** The contexts the governing rule requires, with the head's latest state of each. */
  required: Array<{ context: string; state: string | undefined }>;
}

/** Judges landing `number` now, without landing it. */
export async function checkLand(s: LandingScope, number: number): Promise<LandCheck> {
  const landing = await landingOf(s, number);
  const revisions = await listRevisions(s.db, landing.id);
  const current = revisions[revisions.length - 1];
  if (!current) throw AppError.conflict('The landing has no revision yet', 'no_revision');
  const { state, objects } = await objectsOf(s);
  const targetTip = state.refs.find((r) => r.name === `refs/heads/${landing.target_branch}`)?.oid;
  const stack = await stackNeighbours(
    s.db,
    s.repo.id,
    landing.target_branch,
    current.change_id,
    current.parent_change_id,
  );
  const mergeability =
    targetTip === undefined || landing.landing_state !== 'open'
      ? undefined
      : await mergeabilityOf(s, landing.id, objects, {
          targetTip,
          base: current.base_oid,
          head: current.head_oid,
        });
  const user = s.actor.user;
  const login = user ? ((await findUserById(s.db, user.id))?.username ?? user.id) : '';
  const statuses = await latestStatuses(s.db, s.repo.id, current.head_oid);
  // The rules are read once per judgement.
  const rule = ruleFor(await protectionRules(s.db, s.repo.id), landing.target_branch);
  const verdict = rule
    ? evaluateLand(rule, {
        approvals: await countedApprovals(
          s,
          landing,
          revisions,
          objects,
          rule.dismissStaleApprovals,
        ),
        lastPusher: await pusherOf(s, current.pusher_login),
        currentRevision: current.number,
        statuses: statuses.map((x) => ({ context: x.context, state: x.state })),
        lander: user?.id ?? '',
        landerLogin: login,
        landerIsAdmin: holds(s, 'admin'),
        force: false,
      })
    : { ok: true as const, bypassed: [] };
  const latest = new Map(statuses.map((x) => [x.context, x.state]));
  return {
    landing,
    targetTip,
    head: current.head_oid,
    revision: current.number,
    mergeability,
    below: stack.below?.number,
    reasons: verdict.ok ? [] : verdict.reasons,
    bypassed: verdict.ok ? verdict.bypassed : [],
    required: (rule?.requiredContexts ?? []).map((context) => ({
      context,
      state: latest.get(context),
    })),
  };
}

/** The landing's mergeability for these commits, from its cache row or computed. */
function mergeabilityOf(
  s: LandingScope,
  landingId: string,
  objects: ObjectReader,
  key: { targetTip: string; base: string; head: string },
): Promise<CachedMergeability> {
  return cachedMergeability(s.db, landingId, key, () => checkMergeability(objects, key), s.now);
}

async function pusherOf(s: LandingScope, login: string | null): Promise<string | undefined> {
  if (login === null) return undefined;
  const rows = await s.db.query<{ id: string }>(
    `SELECT id::text AS id FROM users WHERE username = $1`,
    [login],
  );
  return rows[0]?.id;
}

/** Why a check refuses a land, as one sentence (undefined: it may land). */
export function refusalOf(c: LandCheck): { message: string; code: string } | undefined {
  if (c.landing.landing_state !== 'open') {
    return { message: `This landing request is ${c.landing.landing_state}`, code: 'not_open' };
  }
  if (c.landing.draft) {
    return { message: 'A draft landing request cannot land', code: 'draft' };
  }
  if (c.below !== undefined) {
    return {
      message: `Landing #${c.below}, below this one in its stack, must land first`,
      code: 'stack_below_open',
    };
  }
  if (c.targetTip === undefined) {
    return { message: `Branch ${c.landing.target_branch} does not exist`, code: 'no_target' };
  }
  if (c.reasons.length > 0) return { message: c.reasons.join('; '), code: 'protected_branch' };
  return undefined;
}

export interface LandInput {
  method: LandMethod;
  /** The head the caller expects (GitHub's `sha`). */
  sha?: string;
  message?: string;
}

/** Lands landing `number` (see the module comment). */
export async function landLanding(
  s: LandingScope,
  number: number,
  input: LandInput,
  hooks: LandHooks = {},
): Promise<{ result: LandResult; landing: LandingRow }> {
  const user = participant(s);
  await requireLevel(s, 'write');
  const check = await checkLand(s, number);
  if (input.sha !== undefined && input.sha !== check.head) {
    throw AppError.conflict(
      `Head branch was modified: the landing's head is ${check.head}, not ${input.sha}`,
      'head_moved',
    );
  }
  const refusal = refusalOf(check);
  if (refusal) {
    throw refusal.code === 'protected_branch'
      ? AppError.forbidden(refusal.message, refusal.code)
      : AppError.conflict(refusal.message, refusal.code);
  }
  const revisions = await listRevisions(s.db, check.landing.id);
  const current = revisions[revisions.length - 1];
  if (!current || check.targetTip === undefined) throw new Error('checked above');
  const row = await findUserById(s.db, user.id);
  const login = row?.username ?? user.id;
  const result = await land(
    { ...(await objectsOf(s)).ctx },
    {
      targetRef: `refs/heads/${check.landing.target_branch}`,
      expectedTarget: check.targetTip,
      head: current.head_oid,
      base: current.base_oid,
      method: input.method,
      lander: { name: row?.display_name ?? login, email: `${login}@users.noreply.plue` },
      now: s.now.getTime(),
      ...(input.message !== undefined ? { message: input.message } : {}),
    },
    hooks,
  );
  await s.db.transaction(async (db) => {
    await recordLanded(db, check.landing, {
      landerId: user.id,
      oid: result.newTarget,
      revision: current.number,
      now: s.now,
    });
  });
  await ringClaims(s.env);
  return { result, landing: await landingOf(s, number) };
}
