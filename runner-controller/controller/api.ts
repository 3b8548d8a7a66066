/**
 * The controller's HTTP client for the Worker's internal API (workers/routes/internal/
 * controller.ts and runs.ts): claims, reports, heartbeats and completions with the controller's
 * credential (`X-Plue-Controller-Secret`, valid on /internal/controller/* only); run events with
 * the run-scoped token, which is also what reads the run's repository (workspace.ts). A lost lease or a finished run is a
 * `LeaseLostError`; transient failures (network, 5xx) are retried with back-off. Bodies and
 * answers are typed and checked by the schemas the Worker uses (common/schemas/).
 */

import type { z } from 'zod';
import {
  claimedEventAnswer,
  claimedRunAnswer,
  evaluationBatchAnswer,
  heartbeatAnswer,
  type batchClaim,
  type claimRequest,
  type completeRunRequest,
  type evaluationBatch,
  type evaluationReport,
  type failEventRequest,
  type heartbeatRequest,
} from '../../common/schemas/internal-controller';
import { appendAnswer } from '../../common/schemas/internal-runs';
import { describeInputError } from '../../common/schemas/input-error';

export const CONTROLLER_SECRET_HEADER = 'X-Plue-Controller-Secret';

export class LeaseLostError extends Error {}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A long-polled claim: how long the Worker may hold it, and what abandons it. */
export interface ClaimWait {
  seconds?: number;
  signal?: AbortSignal;
}

/** A held claim's answer when work came while it waited (it claims nothing): ask again now. */
export const CLAIM_READY = 'ready' as const;

/** A claim's lease, sent back with every fenced write. */
export type Lease = ClaimedEvent['lease'];
export type ClaimedEvent = z.output<typeof claimedEventAnswer>;
export type ClaimedRun = z.output<typeof claimedRunAnswer>;
/** What a run reports on completion (its lease is added here). */
export type RunResult = Omit<z.input<typeof completeRunRequest>, 'lease_owner' | 'lease_epoch'>;
type EvaluatedFiles = z.input<typeof evaluationReport>['files'];
/** One event's report in a batch (POST …/events/evaluations). */
export type BatchReport = z.input<typeof evaluationBatch>['reports'][number];
/** The run claim a batch of reports may carry. */
export type RunClaim = z.input<typeof batchClaim>;
export type EvaluationBatchAnswer = z.output<typeof evaluationBatchAnswer>;

/** `body` as `schema` reads it; an answer of another shape is a server error (not retried). */
function answer<S extends z.ZodType>(schema: S, path: string, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ApiError(502, `${path}: unexpected answer (${describeInputError(parsed.error)})`);
}

export interface ApiOptions {
  baseUrl: string;
  secret: string;
  /** Attempts for transient failures (default 5). */
  retries?: number;
  /** Claim only work of repositories owned by this user. */
  repoOwner?: string | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ControllerApi {
  constructor(private readonly opts: ApiOptions) {}

  get baseUrl(): string {
    return this.opts.baseUrl.replace(/\/+$/, '');
  }

  /** POSTs JSON; returns the status and parsed body (null for 204). Retries transient errors. */
  async post(
    path: string,
    body: unknown,
    auth: { token?: string; signal?: AbortSignal } = {},
  ): Promise<{ status: number; body: Record<string, unknown> | null }> {
    const attempts = this.opts.retries ?? 5;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(Math.min(200 * 2 ** i, 3000));
      try {
        const res = await fetch(`${this.baseUrl}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(auth.token
              ? { authorization: `Bearer ${auth.token}` }
              : { [CONTROLLER_SECRET_HEADER]: this.opts.secret }),
          },
          body: JSON.stringify(body),
          signal: auth.signal
            ? AbortSignal.any([auth.signal, AbortSignal.timeout(30_000)])
            : AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
        if (res.status >= 500 || res.status === 429) {
          last = new ApiError(res.status, `${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
          continue;
        }
        if (res.status === 409 || (auth.token && res.status === 401)) {
          throw new LeaseLostError(`${path}: ${text.slice(0, 300)}`);
        }
        if (res.status >= 400) {
          throw new ApiError(res.status, `${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
        }
        return { status: res.status, body: parsed };
      } catch (err) {
        if (err instanceof LeaseLostError || err instanceof ApiError) throw err;
        if (auth.signal?.aborted) throw err;
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  private claimBody(
    owner: string,
    leaseSeconds: number,
    wait: ClaimWait,
  ): z.input<typeof claimRequest> {
    return {
      owner,
      lease_seconds: leaseSeconds,
      repo_owner: this.opts.repoOwner,
      ...(wait.seconds ? { wait_seconds: wait.seconds } : {}),
    };
  }

  /**
   * Claims an event; with `wait.seconds` an empty claim is held until one is queued and then
   * answered CLAIM_READY (nothing claimed: ask again).
   */
  async claimEvent(
    owner: string,
    leaseSeconds: number,
    wait: ClaimWait = {},
  ): Promise<ClaimedEvent | typeof CLAIM_READY | undefined> {
    const path = '/internal/controller/events/claim';
    const r = await this.post(path, this.claimBody(owner, leaseSeconds, wait), wait);
    if (r.status === 204) return undefined;
    if (r.body?.ready === true) return CLAIM_READY;
    return answer(claimedEventAnswer, path, r.body);
  }

  async reportEvaluation(
    id: number,
    lease: Lease,
    sha: string,
    files: EvaluatedFiles,
  ): Promise<void> {
    const body: z.input<typeof evaluationReport> = {
      lease_owner: lease.owner,
      lease_epoch: lease.epoch,
      sha,
      files,
    };
    await this.post(`/internal/controller/events/${id}/evaluation`, body);
  }

  /**
   * Reports many events' evaluations in one request (at most EVALUATION_BATCH_MAX); answers per
   * event, and with `claim` the run the Worker claimed for this controller right after, if any.
   */
  async reportEvaluations(
    reports: BatchReport[],
    claim?: RunClaim,
  ): Promise<EvaluationBatchAnswer> {
    const path = '/internal/controller/events/evaluations';
    const body: z.input<typeof evaluationBatch> = { reports, ...(claim ? { claim } : {}) };
    return answer(evaluationBatchAnswer, path, (await this.post(path, body)).body);
  }

  /** The claim of one run for `owner`, as a batch of reports carries it. */
  runClaim(owner: string, leaseSeconds: number): RunClaim {
    return { owner, lease_seconds: leaseSeconds, repo_owner: this.opts.repoOwner };
  }

  async failEvent(id: number, lease: Lease, error: string): Promise<void> {
    const body: z.input<typeof failEventRequest> = {
      lease_owner: lease.owner,
      lease_epoch: lease.epoch,
      error,
    };
    await this.post(`/internal/controller/events/${id}/fail`, body);
  }

  /** Claims a run; with `wait.seconds` as `claimEvent`. */
  async claimRun(
    owner: string,
    leaseSeconds: number,
    wait: ClaimWait = {},
  ): Promise<ClaimedRun | typeof CLAIM_READY | undefined> {
    const path = '/internal/controller/runs/claim';
    const r = await this.post(path, this.claimBody(owner, leaseSeconds, wait), wait);
    if (r.status === 204) return undefined;
    if (r.body?.ready === true) return CLAIM_READY;
    return answer(claimedRunAnswer, path, r.body);
  }

  /** Extends the lease; resolves whether a cancel was requested. */
  async heartbeat(runId: number, lease: Lease): Promise<boolean> {
    const path = `/internal/controller/runs/${runId}/heartbeat`;
    const body: z.input<typeof heartbeatRequest> = {
      lease_owner: lease.owner,
      lease_epoch: lease.epoch,
      lease_seconds: lease.seconds,
    };
    const r = await this.post(path, body);
    return answer(heartbeatAnswer, path, r.body).cancel_requested;
  }

  async complete(runId: number, lease: Lease, result: RunResult): Promise<void> {
    const body: z.input<typeof completeRunRequest> = {
      lease_owner: lease.owner,
      lease_epoch: lease.epoch,
      ...result,
    };
    await this.post(`/internal/controller/runs/${runId}/complete`, body);
  }

  /** Appends chunks to a run's log; returns the next seq per step the stream expects. */
  async postEvents(
    runId: number,
    token: string,
    chunks: unknown[],
  ): Promise<Record<string, number>> {
    const path = `/internal/runs/${runId}/events`;
    const r = await this.post(path, { chunks }, { token });
    return answer(appendAnswer, path, r.body).next_seq;
  }
}
