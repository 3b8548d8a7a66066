/**
 * The controller's HTTP client for the Worker's internal API (workers/routes/internal/
 * controller.ts and runs.ts): claims, reports, heartbeats and completions with the internal
 * secret; run events with the run-scoped token. A lost lease or a finished run is a
 * `LeaseLostError`; transient failures (network, 5xx) are retried with back-off.
 */

export const INTERNAL_SECRET_HEADER = 'X-Plue-Internal-Secret';

export class LeaseLostError extends Error {}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Lease {
  owner: string;
  epoch: string;
  seconds: number;
}

export interface ClaimedEvent {
  event: {
    id: number;
    type: string;
    ref: string;
    sha: string;
    actor_id: number | null;
    repo: { id: number; full_name: string; default_branch: string };
  };
  sdk_event: Record<string, unknown>;
  lease: Lease;
}

export interface ClaimedRun {
  run: {
    id: number;
    run_number: number;
    workflow_name: string;
    event: string;
    head_sha: string;
    head_branch: string | null;
    attempt: number;
    actor_id: number | null;
    plan: unknown;
  };
  repo: { id: number; full_name: string };
  token: string;
  secrets: Record<string, string>;
  lease: Lease;
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

  get secret(): string {
    return this.opts.secret;
  }

  /** POSTs JSON; returns the status and parsed body (null for 204). Retries transient errors. */
  async post(
    path: string,
    body: unknown,
    auth: { token?: string } = {},
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
              : { [INTERNAL_SECRET_HEADER]: this.opts.secret }),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
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
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  async claimEvent(owner: string, leaseSeconds: number): Promise<ClaimedEvent | undefined> {
    const r = await this.post('/internal/controller/events/claim', {
      owner,
      lease_seconds: leaseSeconds,
      repo_owner: this.opts.repoOwner,
    });
    return r.status === 204 ? undefined : (r.body as unknown as ClaimedEvent);
  }

  async reportEvaluation(id: number, lease: Lease, sha: string, files: unknown[]): Promise<void> {
    await this.post(`/internal/controller/events/${id}/evaluation`, {
      lease_owner: lease.owner,
      lease_epoch: lease.epoch,
      sha,
      files,
    });
  }

  async failEvent(id: number, lease: Lease, error: string): Promise<void> {
    await this.post(`/internal/controller/events/${id}/fail`, {
      lease_owner: lease.owner,
      lease_epoch: lease.epoch,
      error,
    });
  }

  async claimRun(owner: string, leaseSeconds: number): Promise<ClaimedRun | undefined> {
    const r = await this.post('/internal/controller/runs/claim', {
      owner,
      lease_seconds: leaseSeconds,
      repo_owner: this.opts.repoOwner,
    });
    return r.status === 204 ? undefined : (r.body as unknown as ClaimedRun);
  }

  /** Extends the lease; resolves whether a cancel was requested. */
  async heartbeat(runId: number, lease: Lease): Promise<boolean> {
    const r = await this.post(`/internal/controller/runs/${runId}/heartbeat`, {
      lease_owner: lease.owner,
      lease_epoch: lease.epoch,
      lease_seconds: lease.seconds,
    });
    return r.body?.cancel_requested === true;
  }

  async complete(runId: number, lease: Lease, result: Record<string, unknown>): Promise<void> {
    await this.post(`/internal/controller/runs/${runId}/complete`, {
      lease_owner: lease.owner,
      lease_epoch: lease.epoch,
      ...result,
    });
  }

  /** Appends chunks to a run's log; returns the next seq per step the stream expects. */
  async postEvents(
    runId: number,
    token: string,
    chunks: unknown[],
  ): Promise<Record<string, number>> {
    const r = await this.post(`/internal/runs/${runId}/events`, { chunks }, { token });
    return (r.body?.next_seq as Record<string, number> | undefined) ?? {};
  }
}
