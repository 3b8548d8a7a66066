/**
 * The controller's side of events: claim the oldest pending event (after sweeping expired
 * leases), and take the evaluation report for it — one queued run per matched workflow (with a
 * pending commit status), one failed run per workflow file that did not evaluate (its log shows
 * the message with file and line), and, for the default branch, the repository's workflow list.
 * A broken file is reported once per commit: every event at that commit (a second push of it, a
 * manual run of another workflow, each schedule tick) evaluates it again, and none of them adds a
 * second failed run or failing status for it.
 * Reports are fenced by the event's lease epoch, so a retried report creates nothing twice.
 * Registration checks what the SDK cannot: a `schedule` trigger's cron expression must be one
 * croner reads (cron.ts), else its file is reported as failed at the workflow's line.
 */
import { z } from 'zod';
import type { evaluationReport } from '../../../common/schemas/internal-controller';
import type { Db } from '../../../db/client';
import { findRepoById, type RepoRow } from '../../../db/queries/repositories';
import { markRunCompleted, type RunRow } from '../../../db/queries/runs';
import { hasEvaluationErrorRun } from '../../../db/queries/run-origins';
import { setRunOrigin, settleStep } from '../../../db/queries/run-leases';
import {
  claimNextEvent,
  claimPushSiblings,
  finishEvent,
  type EventRow,
} from '../../../db/queries/workflow-events';
import {
  listWorkflows,
  replaceWorkflows,
  type NewWorkflow,
  type WorkflowRow,
} from '../../../db/queries/workflows';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { createRun, ingestEvents } from '../runs/runs';
import { ringClaims } from '../runs/claim-bell';
import { eventCheckoutToken } from '../runs/job-credentials';
import { sdkEventOf, shortRef } from './workflow-events';
import {
  leaseOf,
  leaseSecondsOf,
  repoLimitOf,
  sweepLeases,
  type Lease,
} from '../runs/workflow-leases';
import { secretNames } from './workflow-secrets';
import { postRunStatus } from '../repos/statuses';
import { cronProblem } from './cron';

const runEventName = (e: EventRow): string => e.type;

import { workflowFilesAt } from './workflow-files';
/**
 * Push events at the claimed event's commit handed out with it (claimPushSiblings): the
 * controller evaluates the commit's workflow files once for all of them.
 */
export const PUSH_EVENT_SIBLINGS = 1000;

/** The workflows of the repository's last evaluation of its default branch, by file and name. */
export function workflowsOf(db: Db, repoId: string): Promise<WorkflowRow[]> {
  return listWorkflows(db, repoId);
}

/**
 * Claims the fairest pending event for `owner` (optionally only `repoOwner`'s repositories),
 * with up to PUSH_EVENT_SIBLINGS other push events at its commit as `siblings`.
 */
export async function claimEvent(
  db: Db,
  env: Env,
  owner: string,
  leaseSeconds: number | undefined,
  origin: string,
  now: Date,
  repoOwner?: string,
  sweep = true,
) {
  if (sweep) await sweepLeases(db, env, origin, now);
  const seconds = leaseSecondsOf(env, leaseSeconds);
  for (;;) {
    const e = await claimNextEvent(db, owner, seconds, now, repoOwner, repoLimitOf(env));
    if (!e) return undefined;
    const repo = await findRepoById(db, e.repo_id);
    if (!repo) continue;
    const names = await secretNames(db, repo.id);
    // Siblings are reported after the claimed event, a few at a time: their leases allow for
    // five reports a second on top of the claim's own lease.
    const later = seconds + PUSH_EVENT_SIBLINGS / 5;
    const [siblings, files] = await Promise.all([
      claimPushSiblings(db, e, owner, later, now, PUSH_EVENT_SIBLINGS),
      e.after_sha ? workflowFilesAt(env, repo, e.after_sha) : undefined,
    ]);
    return {
      ...claimedOf(e, repo, names, owner, seconds),
      // Reads the event's repository (git) while this claim holds: services/runs/job-credentials.ts.
      token: await eventCheckoutToken(env, e.id, e.lease_epoch),
      // What evaluation reads, so it need not wait for the checkout (workflow-files.ts).
      ...(files ? { workflow_files: files } : {}),
      ...(siblings.length > 0
        ? { siblings: siblings.map((s) => claimedOf(s, repo, names, owner, later)) }
        : {}),
    };
  }
}

/** A claimed event as the controller sees it (common/schemas/internal-controller.ts). */
function claimedOf(e: EventRow, repo: RepoRow, names: string[], owner: string, seconds: number) {
  return {
    event: {
      id: Number(e.id),
      type: e.type,
      ref: e.ref,
      sha: e.after_sha,
      before: e.before_sha,
      actor_id: e.actor_id === null ? null : Number(e.actor_id),
      attempt: e.attempt,
      repo: {
        id: Number(repo.id),
        full_name: `${repo.owner_login}/${repo.name}`,
        default_branch: repo.default_branch,
      },
    },
    sdk_event: sdkEventOf(e, repo, names),
    lease: { owner, epoch: e.lease_epoch, expires_at: e.lease_expires_at, seconds },
  };
}

/** Marks an event failed (e.g. its commit could not be fetched). */
export async function failEvent(
  db: Db,
  eventId: string,
  lease: Lease,
  error: string | undefined,
  now: Date,
): Promise<void> {
  const message = error?.slice(0, 2000) ?? 'failed';
  if (!(await finishEvent(db, eventId, lease, 'failed', message, now))) {
    throw AppError.conflict('The event lease was lost or the event is finished', 'lease_lost');
  }
}

interface Created {
  run: RunRow;
  error?: { file: string; line: number | null; message: string; log: string };
}

/** Takes the controller's evaluation of an event; returns the runs created. */
export async function reportEvaluation(
  db: Db,
  env: Env,
  eventId: string,
  report: z.output<typeof evaluationReport>,
  origin: string,
  now: Date,
): Promise<RunRow[]> {
  const lease = leaseOf(report);
  const files = report.files.map(checkSchedules);
  const created = await db.transaction(async (tx) => {
    const [event] = await tx.query<EventRow>(
      `SELECT id::text AS id, repo_id::text AS repo_id, type, ref, before_sha, after_sha,
         actor_id::text AS actor_id, payload FROM workflow_events WHERE id = $1`,
      [eventId],
    );
    if (!event || !(await finishEvent(tx, eventId, lease, 'done', null, now))) {
      throw AppError.conflict('The event lease was lost or the event is finished', 'lease_lost');
    }
    const repo = await findRepoById(tx, event.repo_id);
    if (!repo) throw AppError.notFound('Repository not found', 'repo_not_found');
    const out: Created[] = [];
    const base = {
      repoId: repo.id,
      event: runEventName(event),
      headSha: report.sha,
      headBranch: shortRef(event.ref),
    };
    const origin = { eventId: event.id, actorId: event.actor_id };
    if (files.some((f) => f.error)) {
      // Concurrent reports for one commit take turns, so each broken file is reported once.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))::text AS locked`, [
        `workflow-errors:${repo.id}:${report.sha}`,
      ]);
    }
    for (const f of files) {
      if (f.error && (await hasEvaluationErrorRun(tx, repo.id, report.sha, f.file))) continue;
      if (f.error) {
        const { run } = await createRun(tx, {
          ...base,
          workflowName: f.file,
          workflowFile: f.file,
          plan: { steps: [{ id: 'evaluate', name: 'evaluate', type: 'run' }], error: f.error },
        });
        await setRunOrigin(tx, run.id, origin);
        await settleStep(tx, run.id, 'evaluate', 'failure', null, now);
        await markRunCompleted(tx, run.id, 'failure', now);
        const line = f.error.line ?? null;
        out.push({
          run,
          error: { file: f.file, line, message: f.error.message, log: f.log ?? '' },
        });
        continue;
      }
      for (const wf of f.workflows ?? []) {
        if (wf.matched !== true || wf.steps === null) continue;
        const { run } = await createRun(tx, {
          ...base,
          workflowName: wf.name,
          workflowFile: f.file,
          plan: { ...wf, file: f.file },
        });
        await setRunOrigin(tx, run.id, origin);
        out.push({ run });
      }
    }
    if (event.ref === `refs/heads/${repo.default_branch}`) {
      await replaceWorkflows(tx, repo.id, report.sha, workflowList(files), now);
    }
    return { repo, out, actorId: event.actor_id };
  });
  await ringClaims(env); // its runs are queued, and the event's place in the repository is free
  const full = `${created.repo.owner_login}/${created.repo.name}`;
  for (const c of created.out) {
    const run = { ...c.run, actor_id: created.actorId };
    if (c.error) {
      await writeEvaluationLog(db, env, c.run, c.error, now);
      const where = c.error.line === null ? c.error.file : `${c.error.file}:${c.error.line}`;
      const annotation = `${where}: ${c.error.message}`.slice(0, 140);
      await postRunStatus(db, run, full, origin, 'failure', annotation);
    } else {
      await postRunStatus(db, run, full, origin, 'queued');
    }
  }
  return created.out.map((c) => c.run);
}

type ReportedFile = z.output<typeof evaluationReport>['files'][number];

const scheduleTrigger = z.object({ type: z.literal('schedule'), cron: z.string() });

/**
 * `f`, or when one of its workflows has a schedule whose cron expression croner refuses, the
 * file as an evaluation error at that workflow's line (as the controller reports a plan problem).
 */
function checkSchedules(f: ReportedFile): ReportedFile {
  for (const wf of f.workflows ?? []) {
    for (const t of wf.triggers) {
      const schedule = scheduleTrigger.safeParse(t);
      if (!schedule.success) continue;
      const problem = cronProblem(schedule.data.cron);
      if (problem === undefined) continue;
      const message = `workflow ${wf.name}: invalid cron expression '${schedule.data.cron}': ${problem}`;
      return {
        file: f.file,
        error: { message, file: f.file, line: wf.line ?? null },
        ...(f.log === undefined ? {} : { log: f.log }),
      };
    }
  }
  return f;
}

function workflowList(files: ReportedFile[]): NewWorkflow[] {
  const list: NewWorkflow[] = [];
  for (const f of files) {
    if (f.error) {
      list.push({
        file: f.file,
        name: f.file,
        line: f.error.line ?? null,
        triggers: [],
        error: f.error.message,
      });
      continue;
    }
    for (const wf of f.workflows ?? []) {
      list.push({
        file: f.file,
        name: wf.name,
        line: wf.line ?? null,
        triggers: wf.triggers,
        error: null,
      });
    }
  }
  return list;
}

/** The log of a run whose workflow file failed to evaluate: one failed `evaluate` step. */
async function writeEvaluationLog(
  db: Db,
  env: Env,
  run: RunRow,
  e: { file: string; line: number | null; message: string; log: string },
  now: Date,
): Promise<void> {
  const where = e.line === null ? e.file : `${e.file}:${e.line}`;
  const text = `${where}: ${e.message}\n${e.log ? `\n${e.log.slice(-8000)}\n` : ''}`;
  const message = `${where}: ${e.message}`.slice(0, 2000);
  await ingestEvents(
    db,
    env,
    run,
    {
      chunks: [
        { event: 'run_started', data: { workflow: run.workflow_name, steps: [] } },
        { event: 'step_started', step_id: 'evaluate', data: { name: 'evaluate' } },
        { event: 'step_output', step_id: 'evaluate', stream: 'stderr', seq: 1, data: text },
        {
          event: 'step_completed',
          step_id: 'evaluate',
          data: { status: 'failure', exit_code: null, note: message },
        },
        { event: 'run_completed', data: { conclusion: 'failure', message } },
      ],
    },
    now,
  );
}
