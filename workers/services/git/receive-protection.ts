/**
 * Branch protection on direct pushes: before RepoObject's compare-and-swap, each command on a
 * branch that a rule governs is judged by `evaluatePush` (services/repos/branch-protection.ts).
 * A refusal becomes that ref's `ng <ref> <reason>` and a band-2 line saying why and what to do;
 * with `--atomic` one refusal refuses the whole push, as any other. Refs outside refs/heads/
 * (tags, refs/for/*, refs/landings/*) are not branches and pass untouched.
 *
 * Whether an update is a fast-forward is decided against the command's old value, which the
 * compare-and-swap then requires to still be the ref's value, so a race cannot slip a rewind by.
 */
import type { Db } from '../../../db/client';
import { findCollaboratorPermission, findRepoById } from '../../../db/queries/repositories';
import { ZERO_OID } from '../../../common/git/refs';
import { walkCommits } from '../browse/walk';
import type { ObjectReader } from '../browse/objects';
import {
  evaluatePush,
  ruleFor,
  type ProtectionActor,
  type ProtectionRule,
} from '../repos/branch-protection';
import { protectionRules } from '../repos/branch-protection-store';
import type { RepoState } from '../../../durable-objects/formats';
import { RepoObjects } from '../../git/storage/repo-objects';
import type { ReceiveCommand } from './receive-commands';
import type { ReceivedObjects } from './receive-objects';
import { openObjects, type GitRepoContext } from './repo-context';

export interface GuardResult {
  /** Refused refs with the reason git shows. */
  reasons: Map<string, string>;
  /** Lines for band 2 (`remote: …`). */
  lines: string[];
}

/** Judges a push's commands before they are applied. */
export interface PushGuard {
  check(commands: ReceiveCommand[], objects: () => Promise<ObjectReader>): Promise<GuardResult>;
}

/** Whether `ancestor` is reachable from `tip` (newest first, so a fast-forward ends early). */
export async function isAncestor(r: ObjectReader, ancestor: string, tip: string): Promise<boolean> {
  if (ancestor === tip) return true;
  for await (const c of walkCommits(r, [tip], { maxCommits: Number.MAX_SAFE_INTEGER })) {
    // By id: the old value is found even where its own object could not be read.
    if (c.oid === ancestor || c.commit.parents.includes(ancestor)) return true;
  }
  return false;
}

/** The pusher as the rules see them: administrators bypass rules that do not include them. */
async function pushActor(
  db: Db,
  repoId: string,
  user: { id: string; login: string },
  rules: ProtectionRule[],
): Promise<ProtectionActor> {
  let admin = false;
  if (rules.some((r) => !r.enforceAdmins)) {
    const repo = await findRepoById(db, repoId);
    admin =
      repo?.owner_id === user.id ||
      (await findCollaboratorPermission(db, repoId, user.id)) === 'admin';
  }
  return { id: user.id, login: user.login, admin };
}

/**
 * The guard for a push to the repository by `user`, or undefined when no rule exists (the push
 * path then does nothing more). The rules are read once per push, before the pack arrives (by
 * the caller, who hands the same list to the landing hooks, or here).
 */
export async function protectionGuard(
  db: Db,
  repoId: string,
  user: { id: string; login: string } | undefined,
  known?: ProtectionRule[],
): Promise<PushGuard | undefined> {
  const rules = known ?? (await protectionRules(db, repoId));
  if (rules.length === 0) return undefined;
  const actor: ProtectionActor = user
    ? await pushActor(db, repoId, user, rules)
    : { id: '', login: 'anonymous', admin: false };
  return { check: (commands, objects) => judgeCommands(rules, actor, commands, objects) };
}

async function judgeCommands(
  rules: ProtectionRule[],
  actor: ProtectionActor,
  commands: ReceiveCommand[],
  objects: () => Promise<ObjectReader>,
): Promise<GuardResult> {
  const out: GuardResult = { reasons: new Map(), lines: [] };
  let reader: ObjectReader | undefined;
  for (const c of commands) {
    if (!c.ref.startsWith('refs/heads/')) continue;
    const branch = c.ref.slice('refs/heads/'.length);
    const rule = ruleFor(rules, branch);
    if (!rule) continue;
    const creates = c.oldOid === ZERO_OID;
    const deletes = c.newOid === ZERO_OID;
    const fastForward =
      creates || deletes
        ? undefined
        : await isAncestor((reader ??= await objects()), c.oldOid, c.newOid);
    const v = evaluatePush(rule, { branch, creates, deletes, fastForward }, actor);
    const first = v.reasons[0];
    if (first !== undefined) {
      out.reasons.set(c.ref, first);
      out.lines.push(...explain(branch, rule, v.reasons));
    } else if (v.bypassed.length > 0) {
      out.lines.push(
        `${branch} is protected by rule ${rule.pattern}; as an administrator you bypassed: ${v.bypassed.map(bare).join('; ')}`,
      );
    }
  }
  return out;
}

const bare = (reason: string): string => reason.replace(/^protected branch: /, '');

/** The band-2 explanation of a refused branch. */
function explain(branch: string, rule: ProtectionRule, reasons: string[]): string[] {
  const lines = [
    `${branch} is protected by rule ${rule.pattern}: ${reasons.map(bare).join('; ')}.`,
  ];
  if (
    rule.requiredApprovals > 0 ||
    (rule.requiredContexts ?? []).length > 0 ||
    rule.requireLastPushApproval
  ) {
    lines.push(
      `Changes to ${branch} go through a landing request: git push origin HEAD:refs/for/${branch}`,
    );
  }
  return lines;
}

/** The objects a push can see: its own pack first, then the repository's. */
export async function guardedObjects(
  ctx: GitRepoContext,
  state: RepoState,
  got: ReceivedObjects,
): Promise<ObjectReader> {
  const stored = (got.stored ??= await openObjects(ctx, state));
  const fresh = got.intake ? await RepoObjects.open(ctx.store, [got.intake]) : undefined;
  return {
    read: async (oid) => (fresh?.has(oid) ? fresh.read(oid) : stored.read(oid)),
  };
}
