/**
 * Branch protection rules, pure: which rule governs a branch (patterns and their precedence),
 * what a direct push may do to a protected branch (`evaluatePush`), and whether a landing may
 * move it (`evaluateLand`, called by land()). Both answer in the same words, which reach the git
 * client as `ng <ref> <reason>` and the API and pages as reasons. No I/O: rules come from
 * branch-protection-store.ts, objects and users from the caller.
 *
 * Patterns are fnmatch-style like GitHub's (branch-pattern.ts). Precedence (most specific wins):
 * a rule whose pattern has no wildcard; else the pattern with the most literal characters; on a
 * tie, the one with fewer wildcards; then the older rule.
 */
import { isLiteralPattern, matchesPattern, patternWeight } from './branch-pattern';

export { matchesPattern };

export interface ProtectionRule {
  id: string;
  pattern: string;
  /** Approving reviews a landing needs (0: none). */
  requiredApprovals: number;
  /** An approval counts only when its author is not the last pusher of the change. */
  requireLastPushApproval: boolean;
  /** Only approvals of the current revision count. */
  dismissStaleApprovals: boolean;
  /** Status contexts that must be `success` on the landed commit; undefined: none required. */
  requiredContexts: string[] | undefined;
  /** GitHub's `strict`: the change must be up to date with the branch (recorded, not enforced). */
  strictStatusChecks: boolean;
  /** false: repository administrators bypass the rule (GitHub's default). */
  enforceAdmins: boolean;
  /** Who may push or land; undefined: anyone with write access. Ids with their logins. */
  pushers: Array<{ id: string; login: string }> | undefined;
  allowForcePushes: boolean;
  allowDeletions: boolean;
  createdAt: Date;
}

function specificity(pattern: string): [number, number, number] {
  const w = patternWeight(pattern);
  return [isLiteralPattern(pattern) ? 1 : 0, w.literal, -w.wild];
}

/** The rule that governs `branch`: the most specific matching one (see the module header). */
export function ruleFor<R extends Pick<ProtectionRule, 'pattern' | 'createdAt' | 'id'>>(
  rules: readonly R[],
  branch: string,
): R | undefined {
  let best: R | undefined;
  let bestKey: [number, number, number] | undefined;
  for (const r of rules) {
    if (!matchesPattern(r.pattern, branch)) continue;
    const key = specificity(r.pattern);
    const cmp = compareKeys(key, bestKey);
    if (!best || cmp > 0 || (cmp === 0 && older(r, best))) {
      best = r;
      bestKey = key;
    }
  }
  return best;
}

function older(a: Pick<ProtectionRule, 'createdAt' | 'id'>, b: typeof a): boolean {
  const d = a.createdAt.getTime() - b.createdAt.getTime();
  return d < 0 || (d === 0 && Number(a.id) < Number(b.id));
}

function compareKeys(a: [number, number, number], b?: [number, number, number]): number {
  if (!b) return 1;
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The words of every refusal, shared by pushes and lands. */
export const REASONS = {
  deletion: 'protected branch: deletion prohibited',
  force: 'protected branch: force push prohibited',
  pusher: (login: string) => `protected branch: ${login} may not push to this branch`,
  approvals: (n: number) => `protected branch: ${n} approving review${n === 1 ? '' : 's'} required`,
  lastPush: 'protected branch: approval from someone other than the last pusher required',
  status: (context: string, state: string | undefined) =>
    `protected branch: required status check ${context} is ${state === undefined ? 'expected' : state}`,
  checksRequired: (contexts: readonly string[]) =>
    `protected branch: status check${contexts.length === 1 ? '' : 's'} ${contexts.join(', ')} required`,
};

/** Who is pushing or landing. `admin`: a repository administrator (bypasses unless enforced). */
export interface ProtectionActor {
  id: string;
  login: string;
  admin: boolean;
}

function mayPush(rule: ProtectionRule, actor: { id: string }): boolean {
  return rule.pushers === undefined || rule.pushers.some((p) => p.id === actor.id);
}

/** What a push asks of one branch. */
export interface BranchUpdate {
  /** The branch name without refs/heads/. */
  branch: string;
  creates: boolean;
  deletes: boolean;
  /** The new value descends from the old one (undefined when creating or deleting). */
  fastForward: boolean | undefined;
}

export interface Verdict {
  /** Refusals, first one first; empty: allowed. */
  reasons: string[];
  /** The refusals an administrator's push or land went past (enforce_admins off). */
  bypassed: string[];
}

function verdict(rule: ProtectionRule, actor: { admin: boolean }, reasons: string[]): Verdict {
  if (reasons.length > 0 && actor.admin && !rule.enforceAdmins)
    return { reasons: [], bypassed: reasons };
  return { reasons, bypassed: [] };
}

/**
 * Judges a direct push to a branch governed by `rule`. Creating a branch is allowed to anyone
 * who may push to it; deleting and rewinding need the rule's permission; a rule that requires
 * reviews or status checks takes changes only through a landing request.
 */
export function evaluatePush(
  rule: ProtectionRule,
  update: BranchUpdate,
  actor: ProtectionActor,
): Verdict {
  const reasons: string[] = [];
  if (!mayPush(rule, actor)) reasons.push(REASONS.pusher(actor.login));
  if (update.deletes) {
    if (!rule.allowDeletions) reasons.push(REASONS.deletion);
  } else if (!update.creates) {
    if (update.fastForward === false && !rule.allowForcePushes) reasons.push(REASONS.force);
    if (rule.requiredApprovals > 0) reasons.push(REASONS.approvals(rule.requiredApprovals));
    else if (rule.requireLastPushApproval) reasons.push(REASONS.lastPush);
    const contexts = rule.requiredContexts ?? [];
    if (contexts.length > 0) reasons.push(REASONS.checksRequired(contexts));
  }
  return verdict(rule, actor, reasons);
}

export interface LandFacts {
  /**
   * Approving reviews, with the revision each approved. Per the design note (§7) an approval is
   * stale only when the interdiff since its revision is not empty: the caller passes the current
   * revision for an approval whose revision differs from it by a trivial rebase alone.
   */
  approvals: Array<{ user: string; revision: string | number }>;
  /** Who pushed the current revision (a user id), if known. */
  lastPusher: string | undefined;
  currentRevision: string | number;
  /** The newest status per context of the commit that will land. */
  statuses: Array<{ context: string; state: string }>;
  /** The user landing (an id), with their login and whether they administer the repository. */
  lander: string;
  landerLogin?: string;
  landerIsAdmin?: boolean;
  /** The land rewrites the branch instead of moving it forward. */
  force: boolean;
}

/**
 * Judges landing a change onto a branch governed by `rule`: approvals (distinct users; only
 * those of the current revision when stale ones are dismissed; never the last pusher's when
 * that is required), required statuses `success`, the push restriction and force. `ok` with the
 * reasons it bypassed for an administrator when the rule does not include administrators.
 */
export function evaluateLand(
  rule: ProtectionRule,
  facts: LandFacts,
): { ok: true; bypassed: string[] } | { ok: false; reasons: string[] } {
  const reasons: string[] = [];
  const login = facts.landerLogin ?? facts.lander;
  if (!mayPush(rule, { id: facts.lander })) reasons.push(REASONS.pusher(login));
  if (facts.force && !rule.allowForcePushes) reasons.push(REASONS.force);
  const current = String(facts.currentRevision);
  const counted = new Set<string>();
  for (const a of facts.approvals) {
    if (rule.dismissStaleApprovals && String(a.revision) !== current) continue;
    if (rule.requireLastPushApproval && a.user === facts.lastPusher) continue;
    counted.add(a.user);
  }
  if (counted.size < rule.requiredApprovals) {
    reasons.push(REASONS.approvals(rule.requiredApprovals));
  } else if (rule.requireLastPushApproval && counted.size === 0) {
    reasons.push(REASONS.lastPush);
  }
  const latest = new Map(facts.statuses.map((s) => [s.context, s.state]));
  for (const context of rule.requiredContexts ?? []) {
    const state = latest.get(context);
    if (state !== 'success') reasons.push(REASONS.status(context, state));
  }
  const v = verdict(rule, { admin: facts.landerIsAdmin === true }, reasons);
  return v.reasons.length > 0
    ? { ok: false, reasons: v.reasons }
    : { ok: true, bypassed: v.bypassed };
}
