/**
 * Branch protection rules as records: GitHub's request body (`PUT …/branches/{branch}/protection`)
 * and response shape, reading, replacing and deleting rules (repository administrators only),
 * and the rules of a repository as `ProtectionRule`s for the push path and land(). The rules
 * themselves (matching, precedence, verdicts) are in branch-protection.ts.
 */
import { z } from 'zod';
import type { Db } from '../../../db/client';
import {
  deleteProtection,
  listProtections,
  upsertProtection,
  type ProtectionRow,
} from '../../../db/queries/branch-protections';
import type { RepoRow } from '../../../db/queries/repositories';
import { findUserByUsername } from '../../../db/queries/users';
import { AppError } from '../../../common/errors';
import { loadRepoForAction, type Actor } from './authz';
import { ruleFor, type ProtectionRule } from './branch-protection';
import { plausibleLogin } from './repos';

const nullableObject = <S extends z.ZodRawShape>(shape: S) => z.object(shape).nullable().optional();

/** GitHub's body; the four top-level objects may be null or left out (nothing required). */
export const protectionRequest = z.object({
  required_status_checks: nullableObject({
    strict: z.boolean().default(false),
    contexts: z.array(z.string().min(1).max(255)).max(50).default([]),
  }),
  enforce_admins: z.boolean().nullable().default(false),
  required_pull_request_reviews: nullableObject({
    dismiss_stale_reviews: z.boolean().default(false),
    require_code_owner_reviews: z.boolean().optional(),
    require_last_push_approval: z.boolean().default(false),
    required_approving_review_count: z.number().int().min(0).max(10).default(1),
  }),
  restrictions: nullableObject({
    users: z.array(z.string().max(100)).max(100).default([]),
    teams: z.array(z.string()).max(0, 'Plue has no teams: leave this list empty').default([]),
    apps: z.array(z.string()).max(0, 'Plue has no apps: leave this list empty').default([]),
  }),
  allow_force_pushes: z.boolean().nullable().default(false),
  allow_deletions: z.boolean().nullable().default(false),
});
export type ProtectionRequest = z.output<typeof protectionRequest>;

/** A rule's pattern: what git allows in a branch name, plus the wildcards `* ? [ ] \`. */
export function checkPattern(pattern: string): string {
  const p = pattern.trim();
  if (p === '' || p.length > 255 || /[\x00-\x20\x7f~^:]/.test(p) || p.includes('..')) {
    throw AppError.invalid(
      'A branch pattern is a branch name, or one with * ? [ ] wildcards (e.g. main, release/*), at most 255 characters',
      'pattern_invalid',
    );
  }
  return p.startsWith('refs/heads/') ? p.slice('refs/heads/'.length) : p;
}

/** The rule as branch-protection.ts takes it. */
export function ruleOf(row: ProtectionRow): ProtectionRule {
  return {
    id: row.id,
    pattern: row.pattern,
    requiredApprovals: row.required_approvals,
    requireLastPushApproval: row.require_last_push_approval,
    dismissStaleApprovals: row.dismiss_stale_approvals,
    requiredContexts: row.required_contexts ?? undefined,
    strictStatusChecks: row.strict_status_checks,
    enforceAdmins: row.enforce_admins,
    pushers: row.restrict_pushes ? row.pushers : undefined,
    allowForcePushes: row.allow_force_pushes,
    allowDeletions: row.allow_deletions,
    createdAt: new Date(row.created_at),
  };
}

/** Every rule of the repository (no authorisation: for the push path and land()). */
export async function protectionRules(db: Db, repoId: string): Promise<ProtectionRule[]> {
  return (await listProtections(db, repoId)).map(ruleOf);
}

/** GitHub's response shape for a rule; `url` is the protection URL it was asked by. */
export function protectionView(rule: ProtectionRule, url: string) {
  return {
    url,
    pattern: rule.pattern,
    ...(rule.requiredContexts !== undefined
      ? {
          required_status_checks: {
            url: `${url}/required_status_checks`,
            strict: rule.strictStatusChecks,
            contexts: rule.requiredContexts,
            checks: rule.requiredContexts.map((context) => ({ context, app_id: null })),
          },
        }
      : {}),
    enforce_admins: { url: `${url}/enforce_admins`, enabled: rule.enforceAdmins },
    ...(rule.requiredApprovals > 0 || rule.requireLastPushApproval
      ? {
          required_pull_request_reviews: {
            url: `${url}/required_pull_request_reviews`,
            dismiss_stale_reviews: rule.dismissStaleApprovals,
            require_code_owner_reviews: false,
            require_last_push_approval: rule.requireLastPushApproval,
            required_approving_review_count: rule.requiredApprovals,
          },
        }
      : {}),
    ...(rule.pushers !== undefined
      ? {
          restrictions: {
            url: `${url}/restrictions`,
            users: rule.pushers.map((p) => ({ login: p.login, id: Number(p.id) })),
            teams: [],
            apps: [],
          },
        }
      : {}),
    required_linear_history: { enabled: false },
    allow_force_pushes: { enabled: rule.allowForcePushes },
    allow_deletions: { enabled: rule.allowDeletions },
  };
}

/** The rule that governs `branch`, for an administrator; 404 "Branch not protected" if none. */
export async function governingRule(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  branch: string,
): Promise<ProtectionRule> {
  const repo = await loadRepoForAction(db, actor, owner, name, 'admin');
  const rule = ruleFor(await protectionRules(db, repo.id), branch);
  if (!rule) throw AppError.notFound('Branch not protected', 'branch_not_protected');
  return rule;
}

async function pusherIds(db: Db, logins: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const login of logins) {
    const user = plausibleLogin(login) ? await findUserByUsername(db, login) : undefined;
    if (!user) throw AppError.invalid(`No user named ${login}`, 'restrictions_invalid');
    ids.push(user.id);
  }
  return ids;
}

/** Creates or replaces the rule for `pattern` (admin). */
export async function putProtection(
  db: Db,
  repo: RepoRow,
  pattern: string,
  body: ProtectionRequest,
  now: Date,
): Promise<ProtectionRule> {
  const reviews = body.required_pull_request_reviews ?? undefined;
  const checks = body.required_status_checks ?? undefined;
  const restrictions = body.restrictions ?? undefined;
  const row = await upsertProtection(
    db,
    repo.id,
    checkPattern(pattern),
    {
      requiredApprovals: reviews?.required_approving_review_count ?? 0,
      requireLastPushApproval: reviews?.require_last_push_approval ?? false,
      dismissStaleApprovals: reviews?.dismiss_stale_reviews ?? false,
      requiredContexts: checks ? [...new Set(checks.contexts)] : null,
      strictStatusChecks: checks?.strict ?? false,
      enforceAdmins: body.enforce_admins ?? false,
      restrictPushes: restrictions !== undefined,
      allowForcePushes: body.allow_force_pushes ?? false,
      allowDeletions: body.allow_deletions ?? false,
      pusherIds: await pusherIds(db, restrictions?.users ?? []),
    },
    now,
  );
  return ruleOf(row);
}

/** Deletes the rule whose pattern is exactly `pattern` (admin). */
export async function removeProtection(db: Db, repo: RepoRow, pattern: string): Promise<void> {
  if (!(await deleteProtection(db, repo.id, checkPattern(pattern)))) {
    throw AppError.notFound('Branch not protected', 'branch_not_protected');
  }
}
