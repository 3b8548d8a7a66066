/**
 * Workflow events: a `push` per updated ref after a successful push (HTTPS or SSH), and a
 * `workflow_dispatch` from the API or the workflows page. Events wait in `workflow_events`
 * until a runner controller claims one, evaluates the workflow files at its commit and reports
 * (workflow-evaluation.ts). `sdkEventOf` is the event as the `plue` SDK sees it
 * (docs/workflows.md, "Events").
 */
import { z } from 'zod';
import type { Db } from '../../../db/client';
import type { RepoRow } from '../../../db/queries/repositories';
import {
  insertEvent,
  insertEvents,
  type EventRow,
  type NewEvent,
} from '../../../db/queries/workflow-events';
import { findWorkflow } from '../../../db/queries/workflows';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { refNamed } from '../browse/resolve-ref';
import { gitRepoContext } from '../git/repo-context';
import { ringClaims } from '../runs/claim-bell';

const ZERO = /^0+$/;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export interface UpdatedRef {
  ref: string;
  oldOid: string;
  newOid: string;
  ok: boolean;
}

/** Records one `push` event per ref the push created or moved (deletions start nothing). */
export async function recordPushEvents(
  db: Db,
  repoId: string,
  refs: UpdatedRef[],
  actorId: string | undefined,
): Promise<EventRow[]> {
  const events: NewEvent[] = [];
  for (const r of refs) {
    if (!r.ok || ZERO.test(r.newOid) || !SHA.test(r.newOid)) continue;
    if (!r.ref.startsWith('refs/heads/') && !r.ref.startsWith('refs/tags/')) continue;
    events.push({
      repoId,
      type: 'push',
      ref: r.ref,
      beforeSha: ZERO.test(r.oldOid) || !SHA.test(r.oldOid) ? null : r.oldOid,
      afterSha: r.newOid,
      actorId: actorId ?? null,
    });
  }
  // A statement per 1,000 refs: a push of 10,000 refs is 10 round trips, not 10,000.
  const out: EventRow[] = [];
  for (let i = 0; i < events.length; i += 1000) {
    out.push(...(await insertEvents(db, events.slice(i, i + 1000))));
  }
  return out;
}

/** `refs/heads/x` → `x` (and tags likewise); other names unchanged. */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

/** The body of a workflow dispatch: `{ref?, inputs?}` (GitHub's shape). */
export const dispatchRequest = z.object({
  ref: z.string({ error: 'must be a branch or tag name' }).max(1000).optional(),
  inputs: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
});

/** Records a manual run of workflow `name` at `ref` (a branch, tag or full ref; default HEAD). */
export async function dispatchWorkflow(
  db: Db,
  env: Env,
  repo: RepoRow,
  name: string,
  body: z.output<typeof dispatchRequest>,
  actorId: string,
): Promise<EventRow> {
  const workflow = await findWorkflow(db, repo.id, name);
  if (!workflow) {
    throw AppError.notFound(
      `No workflow ${name} on ${repo.default_branch} (push a .plue/workflows/*.py file first)`,
      'workflow_not_found',
    );
  }
  const inputs = body.inputs ?? {};
  if (JSON.stringify(inputs).length > 64 * 1024) throw AppError.tooLarge('inputs are too large');
  const ref = body.ref || repo.default_branch;
  const ctx = gitRepoContext(env, {
    id: repo.id,
    fullName: `${repo.owner_login}/${repo.name}`,
    defaultBranch: repo.default_branch,
  });
  const state = await ctx.refs.state(repo.default_branch);
  const hit = refNamed(state, ref);
  if (!hit) throw AppError.invalid(`No branch or tag named ${ref}`, 'ref_invalid');
  const event = await insertEvent(db, {
    repoId: repo.id,
    type: 'workflow_dispatch',
    ref: hit.name,
    beforeSha: null,
    afterSha: hit.oid,
    actorId,
    payload: { workflow: workflow.name, inputs },
  });
  await ringClaims(env);
  return event;
}

/** The event as the SDK's `ctx.event` sees it. */
export function sdkEventOf(
  e: EventRow,
  repo: RepoRow,
  secretNames: string[],
): Record<string, unknown> {
  const common = {
    repo: `${repo.owner_login}/${repo.name}`,
    ref: e.ref,
    sha: e.after_sha,
    secrets: secretNames,
  };
  if (e.type === 'workflow_dispatch') {
    return {
      type: 'manual',
      ...common,
      workflow: e.payload.workflow,
      inputs: e.payload.inputs ?? {},
    };
  }
  if (e.type === 'schedule') return { type: 'schedule', ...common, cron: e.payload.cron };
  if (e.type === 'pull_request') {
    // A landing request's event (services/landings/record.ts); `ref` is its revision's ref.
    return {
      type: 'pull_request',
      ...common,
      action: e.payload.action,
      number: e.payload.number,
      base_ref: e.payload.target,
      revision: e.payload.revision,
      before: e.before_sha ?? '0'.repeat(40),
    };
  }
  if (e.type === 'issue_comment') {
    // A comment on an issue or landing (services/agents/comment-events.ts): the thread is data.
    return {
      type: 'issue_comment',
      ...common,
      action: e.payload.action,
      issue: e.payload.issue,
      comment: e.payload.comment,
      thread: e.payload.thread ?? [],
    };
  }
  return { type: e.type, ...common, before: e.before_sha ?? '0'.repeat(40), deleted: false };
}
