/**
 * Evaluation reports: the controller's evaluation of events, recorded — one queued run per
 * matched workflow (with a pending commit status), one failed run per workflow file that did not
 * evaluate (its log shows the message with file and line), and, for the default branch, the
 * repository's workflow list. A broken file is reported once per commit: every event at that
 * commit (a second push of it, a manual run of another workflow, each schedule tick) evaluates it
 * again, and none of them adds a second failed run or failing status for it.
 * Reports come in batches (one push of a thousand branches is a thousand events, issue #21):
 * the events of a batch are finished (reading their repositories), the default branch's workflow
 * lists replaced, and the runs inserted with their steps and `pending` statuses, in three
 * set-based statements of one transaction (workflow-events.ts finishEventsWithRepos,
 * workflows.ts replaceWorkflowLists, run-batch.ts insertRuns): every round trip delays the
 * moment the runs can be claimed. Files that did not evaluate cost a few statements more (their
 * lock, duplicate check, failed step and run; their log and failure status after the commit).
 * Each report is still fenced by its own event's lease epoch: a lost lease refuses that report
 * only, and a retried report creates nothing twice. Registration checks what the SDK cannot: a
 * `schedule` trigger's cron expression must be one croner reads (cron.ts), else its file is
 * reported as failed at the workflow's line.
 */
import { z } from 'zod';
import type { evaluationReport } from '../../../common/schemas/internal-controller';
import type { Db } from '../../../db/client';
import type { RepoRow } from '../../../db/queries/repositories';
import { markRunCompleted, type RunRow } from '../../../db/queries/runs';
import { hasEvaluationErrorRun } from '../../../db/queries/run-origins';
import { settleStep } from '../../../db/queries/run-leases';
import { insertRuns, type NewBatchRun, type NewRunStatus } from '../../../db/queries/run-batch';
import { finishEventsWithRepos, type EventRow } from '../../../db/queries/workflow-events';
import {
  replaceWorkflowLists,
  type NewWorkflow,
  type WorkflowList,
} from '../../../db/queries/workflows';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { ingestEvents, RUN_TOKEN_PREFIX, stepsOfPlan } from '../runs/runs';
import { randomBase62, sha256Hex } from '../identity/secrets';
import { ringClaims } from '../runs/claim-bell';
import { feedRunView, publishRuns } from '../runs/runs-feed';
import { shortRef } from './workflow-events';
import { postRunStatus, stateOfConclusion } from '../repos/statuses';
import { cronProblem } from './cron';

type Report = z.output<typeof evaluationReport>;

/** One event's report in a batch. */
export type BatchReport = Report & { event_id: number | string };

/** What became of one report: the runs it created, or why it was refused. */
export type ReportOutcome =
  | { event_id: string; runs: RunRow[] }
  | { event_id: string; error: { code: string; message: string } };

const LEASE_LOST = {
  code: 'lease_lost',
  message: 'The event lease was lost or the event is finished',
};

/** A run a report asks for: a matched workflow, or a file that did not evaluate. */
interface Planned {
  name: string;
  file: string;
  plan: unknown;
  error?: { file: string; line: number | null; message: string; log: string };
}

/** The runs `report` asks for; an invalid name or plan refuses that report (AppError). */
function plannedRuns(report: Report): Planned[] {
  const out: Planned[] = [];
  const named = (n: string) => {
    const name = n.trim();
    if (name === '' || name.length > 200) {
      throw AppError.invalid('workflow must be 1–200 characters', 'workflow_invalid');
    }
    return name;
  };
  for (const f of report.files) {
    if (f.error) {
      const plan = { steps: [{ id: 'evaluate', name: 'evaluate', type: 'run' }], error: f.error };
      const error = {
        file: f.file,
        line: f.error.line ?? null,
        message: f.error.message,
        log: f.log ?? '',
      };
      out.push({ name: named(f.file), file: f.file, plan, error });
      continue;
    }
    for (const wf of f.workflows ?? []) {
      if (wf.matched !== true || wf.steps === null) continue;
      const plan = { ...wf, file: f.file };
      stepsOfPlan(plan);
      out.push({ name: named(wf.name), file: f.file, plan });
    }
  }
  return out;
}

/**
 * Records a batch of reports in one transaction; answers per report, in order. A report whose
 * event lease is lost (or whose plan is invalid) is refused alone; the others are recorded.
 * With `ctx`, ringing the claims and telling the feeds go on after the answer (`waitUntil`; both
 * start at once, the answer just does not wait for them).
 */
export async function reportEvaluations(
  db: Db,
  env: Env,
  sent: BatchReport[],
  origin: string,
  now: Date,
  ctx?: { waitUntil(promise: Promise<unknown>): void },
): Promise<ReportOutcome[]> {
  const reports = sent.map((r) => ({ ...r, files: r.files.map(checkSchedules) }));
  const outcomes: (ReportOutcome | undefined)[] = reports.map(() => undefined);
  const planned: Planned[][] = reports.map(() => []);
  const seen = new Set<string>();
  reports.forEach((report, i) => {
    const id = String(report.event_id);
    // The same event twice in one batch: the first report is the one that counts.
    if (seen.has(id)) outcomes[i] = { event_id: id, error: LEASE_LOST };
    seen.add(id);
    try {
      planned[i] = plannedRuns(report);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      outcomes[i] = { event_id: id, error: { code: err.code, message: err.message } };
    }
  });
  const todo = reports.flatMap((r, i) => (outcomes[i] ? [] : [i]));
  const leases = todo.map((i) => {
    const r = reports[i] as BatchReport;
    return { id: String(r.event_id), owner: r.lease_owner, epoch: r.lease_epoch };
  });
  const recorded = await db.transaction(async (tx) => {
    const done = await finishEventsWithRepos(tx, leases, now);
    const finished = new Map(done.map((d) => [d.event.id, d.event]));
    const repos = new Map<string, RepoRow>();
    for (const d of done) if (d.repo) repos.set(d.event.repo_id, d.repo);
    const lockKeys = new Set<string>();
    const lists: WorkflowList[] = [];
    const runs: NewBatchRun[] = [];
    const of: { report: number; planned: Planned; event: EventRow; repo: RepoRow }[] = [];
    for (const i of todo) {
      const r = reports[i] as BatchReport;
      const event = finished.get(String(r.event_id));
      const repo = event && repos.get(event.repo_id);
      if (!event || !repo) {
        outcomes[i] = { event_id: String(r.event_id), error: LEASE_LOST };
        continue;
      }
      outcomes[i] = { event_id: event.id, runs: [] };
      if (planned[i]?.some((p) => p.error)) lockKeys.add(`workflow-errors:${repo.id}:${r.sha}`);
      if (event.ref === `refs/heads/${repo.default_branch}`) {
        lists.push({ repoId: repo.id, headSha: r.sha, list: workflowList(r.files) });
      }
    }
    await replaceWorkflowLists(tx, lists, now);
    // Concurrent reports for one commit take turns (in one order), so each broken file is
    // reported once.
    for (const key of [...lockKeys].sort()) {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))::text AS locked`, [key]);
    }
    const errorsSeen = new Set<string>();
    for (const i of todo) {
      const r = reports[i] as BatchReport;
      const event = finished.get(String(r.event_id));
      const repo = event && repos.get(event.repo_id);
      if (!event || !repo) continue;
      for (const p of planned[i] ?? []) {
        if (p.error) {
          const key = `${repo.id}:${r.sha}:${p.file}`;
          if (errorsSeen.has(key) || (await hasEvaluationErrorRun(tx, repo.id, r.sha, p.file))) {
            continue;
          }
          errorsSeen.add(key);
        }
        runs.push({
          repoId: repo.id,
          workflowName: p.name,
          workflowFile: p.file,
          event: event.type,
          headSha: r.sha,
          headBranch: shortRef(event.ref),
          plan: p.plan,
          tokenHash: sha256Hex(RUN_TOKEN_PREFIX + randomBase62(256)),
          steps: stepsOfPlan(p.plan),
          eventId: event.id,
          actorId: event.actor_id,
          // A failed file's status is posted after its log is written, below.
          status: p.error ? undefined : queuedStatus(p.name, repo, origin),
        });
        of.push({ report: i, planned: p, event, repo });
      }
    }
    const rows = await insertRuns(tx, runs);
    for (const [j, row] of rows.entries()) {
      if (!of[j]?.planned.error) continue;
      await settleStep(tx, row.id, 'evaluate', 'failure', null, now);
      await markRunCompleted(tx, row.id, 'failure', now);
    }
    return rows.map((row, j) => ({ row, ...(of[j] as (typeof of)[number]) }));
  });
  // Runs were queued, and the finished events' places in their repositories are free; the
  // repositories' live feeds hear of the new runs at the same time (runs-feed.ts).
  const changes = recorded.map((c) => {
    const full = `${c.repo.owner_login}/${c.repo.name}`;
    const failed = c.planned.error
      ? { status: 'completed' as const, conclusion: 'failure' as const, updated_at: now }
      : {};
    return feedRunView({ ...c.row, ...failed }, full, origin);
  });
  const queued = outcomes.some((o) => o && 'runs' in o);
  const told = Promise.all([queued ? ringClaims(env) : undefined, publishRuns(env, changes)]);
  await (ctx ? ctx.waitUntil(told) : told);
  for (const c of recorded) {
    const outcome = outcomes[c.report];
    if (outcome && 'runs' in outcome) outcome.runs.push(c.row);
    const e = c.planned.error;
    if (!e) continue;
    const full = `${c.repo.owner_login}/${c.repo.name}`;
    const run = { ...c.row, actor_id: c.event.actor_id };
    await writeEvaluationLog(db, env, c.row, e, now);
    const where = e.line === null ? e.file : `${e.file}:${e.line}`;
    const annotation = `${where}: ${e.message}`.slice(0, 140);
    await postRunStatus(db, run, full, origin, 'failure', annotation);
  }
  return outcomes.map((o, i) => o ?? { event_id: String(reports[i]?.event_id), error: LEASE_LOST });
}

/**
 * The `pending` commit status of a queued run (postRunStatus's, inserted with the run; the run's
 * id ends the target URL).
 */
function queuedStatus(workflowName: string, repo: RepoRow, origin: string): NewRunStatus {
  return {
    state: stateOfConclusion(null),
    context: `plue/${workflowName}`.slice(0, 255),
    description: 'Queued',
    urlPrefix: `${origin}/${repo.owner_login}/${repo.name}/actions/runs/`,
  };
}

/** Takes the controller's evaluation of one event; returns the runs created (409 if refused). */
export async function reportEvaluation(
  db: Db,
  env: Env,
  eventId: string,
  report: Report,
  origin: string,
  now: Date,
): Promise<RunRow[]> {
  const [outcome] = await reportEvaluations(
    db,
    env,
    [{ ...report, event_id: eventId }],
    origin,
    now,
  );
  if (outcome && 'runs' in outcome) return outcome.runs;
  const error = outcome?.error ?? LEASE_LOST;
  if (error.code === 'lease_lost') throw AppError.conflict(error.message, error.code);
  throw AppError.invalid(error.message, error.code);
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
