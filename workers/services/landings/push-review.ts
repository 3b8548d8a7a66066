/**
 * Pushing for review (`git push origin HEAD:refs/for/main[/topic] -o title=…`), the landings
 * side of receive-review.ts. Each pushed commit on top of the target, oldest first, must carry a
 * change id (common/git/change-id.ts); it is matched to the open landing of (repository, target,
 * change id): a new landing, a new revision, or nothing when the commit is the same as the last
 * revision's (same tree, message and parent change). The plan names the refs to create
 * (`refs/landings/<n>/<revision>`); once RepoObject created them, `settle` writes the rows and
 * returns the lines the pusher sees (`Landing !12 revision 3: <url>`).
 */
import { changeIdentityOf, HOW_TO_ADD_CHANGE_ID } from '../../../common/git/change-id';
import { ZERO_OID } from '../../../common/git/refs';
import type { Db } from '../../../db/client';
import { takeNumber } from '../../../db/queries/issues';
import {
  findLandingById,
  findOpenLandingByChange,
  latestRevisions,
  type LandingRow,
} from '../../../db/queries/landings';
import type { RepoState } from '../../../durable-objects/formats';
import { orAbsent, readCommit, type ObjectReader } from '../browse/objects';
import type { ReceiveCommand } from '../git/receive-commands';
import { FOR_PREFIX, type ReviewHook, type ReviewPlan } from '../git/receive-review';
import { protectionRules } from '../repos/branch-protection-store';
import type { ProtectionRule } from '../repos/branch-protection';
import { addRevisionRows, openLandingRows, revisionRef, type RevisionFacts } from './record';
import { dismissOnNewRevision } from './stale-approvals';
import { readStack, type StackCommit } from './stack-walk';

export interface PushReviewDeps {
  /** Opens a database handle for one phase (the push's request may end meanwhile). */
  openDb(): Db;
  repo: { id: string; owner: string; name: string };
  pusherId: string;
  /** The public origin, for the landing URLs printed to the pusher. */
  origin: string;
  now(): Date;
  /** The repository's protection rules when the push already read them (once per push). */
  rules?: ProtectionRule[];
}

interface PushOptions {
  title?: string;
  description?: string;
  topic?: string;
  draft: boolean;
}

type Item =
  | { kind: 'new'; number: number; title: string; body: string; rev: RevisionFacts }
  | { kind: 'revision'; landing: LandingRow; number: number; rev: RevisionFacts; before: string }
  | { kind: 'same'; landing: LandingRow; revision: number };

interface CommandPlan {
  target: string;
  topic: string | null;
  items: Item[];
}

/** `-o key=value` options this push understands (others are ignored, as git's hooks do). */
export function readPushOptions(options: string[]): PushOptions {
  const out: PushOptions = { draft: false };
  for (const o of options) {
    const eq = o.indexOf('=');
    const key = (eq < 0 ? o : o.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : o.slice(eq + 1);
    if (key === 'title' && value.trim() !== '') out.title = value.trim().slice(0, 256);
    else if (key === 'description') out.description = value.slice(0, 65536);
    else if (key === 'topic' && value.trim() !== '') out.topic = value.trim().slice(0, 255);
    else if (key === 'draft' || key === 'wip') out.draft = value === '' || value === 'true';
  }
  return out;
}

/** `refs/for/<target>[/<topic>]` against the branches: the longest branch name that fits. */
export function targetOf(
  ref: string,
  state: Pick<RepoState, 'refs'>,
): { target: string; topic: string | null } | undefined {
  const rest = ref.slice(FOR_PREFIX.length);
  let best: string | undefined;
  for (const r of state.refs) {
    if (!r.name.startsWith('refs/heads/')) continue;
    const b = r.name.slice('refs/heads/'.length);
    if ((rest === b || rest.startsWith(`${b}/`)) && b.length > (best?.length ?? -1)) best = b;
  }
  if (best === undefined) return undefined;
  const topic = rest.slice(best.length + 1);
  return { target: best, topic: topic === '' ? null : topic };
}

/** A commit message as a landing's title and body (without a Gerrit `Change-Id:` trailer line). */
export function titleAndBody(message: string): { title: string; body: string } {
  const text = message.replace(/\r\n/g, '\n').trim();
  const nl = text.indexOf('\n');
  const subject = (nl < 0 ? text : text.slice(0, nl)).trim();
  // The Gerrit `Change-Id:` trailer is the change's identity, not part of its description.
  const rest = (nl < 0 ? '' : text.slice(nl + 1))
    .split('\n')
    .filter((l) => !/^Change-Id:[ \t]*I[0-9a-f]{40}[ \t]*$/.test(l.trim()))
    .join('\n');
  return {
    title: (subject === '' ? '(no message)' : subject).slice(0, 256),
    body: rest.trim().slice(0, 65536),
  };
}

/** Why the stack cannot be pushed for review (no or shared change ids), with help lines. */
function identities(
  commits: StackCommit[],
): { ids: string[] } | { reason: string; lines: string[] } {
  const ids: string[] = [];
  const seen = new Map<string, string>();
  for (const { oid, commit } of commits) {
    const id = changeIdentityOf(commit.headers, commit.message)?.changeId;
    if (id === undefined) {
      const short = oid.slice(0, 10);
      return {
        reason: `commit ${short} has no change id`,
        lines: [
          `commit ${short} has no change id; ${HOW_TO_ADD_CHANGE_ID[0]}`,
          ...HOW_TO_ADD_CHANGE_ID.slice(1),
        ],
      };
    }
    const other = seen.get(id);
    if (other !== undefined) {
      const both = `${other.slice(0, 10)} and ${oid.slice(0, 10)}`;
      return { reason: `commits ${both} share change ${id}`, lines: [] };
    }
    seen.set(id, oid);
    ids.push(id);
  }
  return { ids };
}

class PushReview {
  private readonly plans = new Map<string, CommandPlan>();
  readonly refused = new Map<string, string>();
  readonly lines: string[] = [];
  private rules: Promise<ProtectionRule[]> | undefined;

  constructor(
    private readonly deps: PushReviewDeps,
    private readonly objects: ObjectReader,
    private readonly options: PushOptions,
  ) {}

  private url(number: number): string {
    const { owner, name } = this.deps.repo;
    return `${this.deps.origin}/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/landings/${number}`;
  }

  /** Plans one `refs/for/…` command, or records why it is refused. */
  async planCommand(db: Db, c: ReceiveCommand, state: RepoState): Promise<void> {
    const where = targetOf(c.ref, state);
    if (c.newOid === ZERO_OID) return this.refuse(c.ref, 'refs/for/ refs cannot be deleted');
    if (!where) return this.refuse(c.ref, `no branch ${c.ref.slice(FOR_PREFIX.length)} to land on`);
    const tip = state.refs.find((r) => r.name === `refs/heads/${where.target}`)?.oid ?? ZERO_OID;
    if (!(await orAbsent(readCommit(this.objects, c.newOid)))) {
      return this.refuse(c.ref, `${c.newOid.slice(0, 10)} is not a commit`);
    }
    const stack = await readStack(this.objects, tip, c.newOid);
    if (!stack.ok) return this.refuse(c.ref, stack.reason);
    const ids = identities(stack.commits);
    if ('reason' in ids) {
      this.lines.push(...ids.lines);
      return this.refuse(c.ref, ids.reason);
    }
    const items: Item[] = [];
    for (let i = 0; i < stack.commits.length; i++) {
      const sc = stack.commits[i] as StackCommit;
      const rev: RevisionFacts = {
        headOid: sc.oid,
        baseOid: sc.commit.parents[0] ?? stack.base,
        targetOid: tip,
        changeId: ids.ids[i] ?? null,
        parentChangeId: i > 0 ? (ids.ids[i - 1] ?? null) : null,
      };
      const top = i === stack.commits.length - 1;
      items.push(await this.itemFor(db, where.target, sc, rev, top));
    }
    if (items.every((x) => x.kind === 'same')) {
      for (const x of items) if (x.kind === 'same') this.lines.push(this.sameLine(x));
      return this.refuse(c.ref, 'no new changes');
    }
    this.plans.set(c.ref, { ...where, topic: this.options.topic ?? where.topic, items });
  }

  private sameLine(x: { landing: LandingRow; revision: number }): string {
    return `Landing !${x.landing.number} revision ${x.revision} (unchanged): ${this.url(x.landing.number)}`;
  }

  private refuse(ref: string, reason: string): void {
    this.refused.set(ref, reason);
  }

  /** The landing a commit joins: a new one, a new revision, or none (nothing changed). */
  private async itemFor(
    db: Db,
    target: string,
    sc: StackCommit,
    rev: RevisionFacts,
    top: boolean,
  ): Promise<Item> {
    const landing = await findOpenLandingByChange(
      db,
      this.deps.repo.id,
      target,
      rev.changeId ?? '',
    );
    if (!landing) {
      const text = titleAndBody(sc.commit.message);
      return {
        kind: 'new',
        number: await takeNumber(db, this.deps.repo.id),
        title: top && this.options.title !== undefined ? this.options.title : text.title,
        body: top && this.options.description !== undefined ? this.options.description : text.body,
        rev,
      };
    }
    const last = (await latestRevisions(db, [landing.id])).get(landing.id);
    const revision = last?.number ?? 0;
    if (last && (await this.unchanged(last.head_oid, last.parent_change_id, sc, rev))) {
      return { kind: 'same', landing, revision };
    }
    return {
      kind: 'revision',
      landing,
      number: revision + 1,
      rev,
      before: last?.head_oid ?? ZERO_OID,
    };
  }

  /** Same commit, or same tree, message and parent change (docs/design/landing-requests.md §3). */
  private async unchanged(
    lastHead: string,
    lastParentChange: string | null,
    sc: StackCommit,
    rev: RevisionFacts,
  ): Promise<boolean> {
    if (lastHead === sc.oid) return true;
    const old = await orAbsent(readCommit(this.objects, lastHead));
    return (
      old !== undefined &&
      old.tree === sc.commit.tree &&
      old.message === sc.commit.message &&
      lastParentChange === rev.parentChangeId
    );
  }

  /** Dismisses the approvals a new revision made stale, when the target's rule says so. */
  private async dismissStale(db: Db, l: LandingRow, n: number, now: Date): Promise<string[]> {
    try {
      // One read of the rules per push, whatever the number of landings it revises.
      this.rules ??= this.deps.rules
        ? Promise.resolve(this.deps.rules)
        : protectionRules(db, this.deps.repo.id);
      const landing = (await findLandingById(db, l.id)) ?? l;
      const who = await dismissOnNewRevision(db, this.objects, landing, await this.rules, {
        actorId: this.deps.pusherId,
        now,
      });
      return who.map((u) => `Landing !${n}: ${u}'s approval dismissed (stale: a new revision)`);
    } catch {
      // The revision is recorded; judging the landing dismisses what is stale (reviews.ts).
      return [`Landing !${n}: stale approvals will be dismissed when the landing is judged`];
    }
  }

  /** The landing refs each planned command creates. */
  updates(): Map<string, ReceiveCommand[]> {
    const out = new Map<string, ReceiveCommand[]>();
    for (const [ref, plan] of this.plans) {
      const cmds: ReceiveCommand[] = [];
      for (const x of plan.items) {
        if (x.kind === 'same') continue;
        const n = x.kind === 'new' ? x.number : x.landing.number;
        const r = x.kind === 'new' ? 1 : x.number;
        cmds.push({ ref: revisionRef(n, r), oldOid: ZERO_OID, newOid: x.rev.headOid });
      }
      out.set(ref, cmds);
    }
    return out;
  }

  /** Writes what landed and returns the pusher's lines, one per landing. */
  async settle(db: Db, applied: ReadonlySet<string>): Promise<string[]> {
    const lines: string[] = [];
    const now = this.deps.now();
    for (const plan of this.plans.values()) {
      for (const x of plan.items) {
        if (x.kind === 'same') {
          lines.push(this.sameLine(x));
          continue;
        }
        const n = x.kind === 'new' ? x.number : x.landing.number;
        const r = x.kind === 'new' ? 1 : x.number;
        if (!applied.has(revisionRef(n, r))) continue;
        await db.transaction(async (tx) => {
          if (x.kind === 'new') {
            await openLandingRows(
              tx,
              {
                repoId: this.deps.repo.id,
                number: x.number,
                authorId: this.deps.pusherId,
                title: x.title,
                body: x.body,
                targetBranch: plan.target,
                sourceBranch: null,
                changeId: x.rev.changeId,
                topic: plan.topic,
                draft: this.options.draft,
                now,
              },
              x.rev,
            );
          } else {
            const fresh = (await findLandingById(tx, x.landing.id)) ?? x.landing;
            await addRevisionRows(tx, fresh, x.number, x.rev, {
              id: this.deps.pusherId,
              now,
              before: x.before,
            });
          }
        });
        lines.push(`Landing !${n} revision ${r}: ${this.url(n)}`);
        if (x.kind === 'revision') lines.push(...(await this.dismissStale(db, x.landing, n, now)));
      }
    }
    return lines;
  }
}

/** The review hook a push to this repository uses. */
export function landingReviewHook(deps: PushReviewDeps): ReviewHook {
  return {
    async plan(input): Promise<ReviewPlan> {
      const review = new PushReview(deps, input.objects, readPushOptions(input.options));
      const db = deps.openDb();
      try {
        for (const c of input.commands) await review.planCommand(db, c, input.state);
      } finally {
        await db.end();
      }
      return {
        updates: review.updates(),
        refused: review.refused,
        lines: review.lines,
        settle: async (applied) => {
          const tx = deps.openDb();
          try {
            return await review.settle(tx, applied);
          } finally {
            await tx.end();
          }
        },
      };
    },
  };
}
