/**
 * Clients for the workflows benchmark: a sandbox backend wrapper that records every sandbox
 * call, the run-id discovery by polling the runs list or from the repository's live feed of runs
 * (GET …/actions/live), an SSE viewer that learns the run id from that feed and notes when the
 * first log line and run_completed arrive, and a polling viewer in the Gitea model (runs list and the
 * step's log every second).
 */
import type { RunResult, RunSpec, SandboxBackend } from '../../runner-controller/sandbox/types';
import { readSse, type SseEvent } from '../../scripts/clients/run-stream-client';

export const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SandboxCall {
  kind: 'evaluate' | 'step';
  at: number;
  ms: number;
  /** When the command's first output reached the backend's caller. */
  firstOutputAt?: number;
}

/** Wraps a backend and records the start time and duration of every call. */
export class RecordingBackend implements SandboxBackend {
  readonly calls: SandboxCall[] = [];
  constructor(
    private readonly inner: SandboxBackend,
    /** Told of each call as it ends (a controller in another process reports them). */
    private readonly onCall?: (call: SandboxCall) => void,
  ) {}
  get name(): string {
    return this.inner.name;
  }
  get supportsStdin(): boolean | undefined {
    return this.inner.supportsStdin;
  }
  prepareWorkspace(dir: string): Promise<void> {
    return this.inner.prepareWorkspace?.(dir) ?? Promise.resolve();
  }
  check(): Promise<{ ok: boolean; detail: string }> {
    return this.inner.check();
  }
  async run(spec: RunSpec): Promise<RunResult> {
    const at = now();
    let firstOutputAt: number | undefined;
    const onOutput: RunSpec['onOutput'] = (...args) => {
      firstOutputAt ??= now();
      return spec.onOutput(...args);
    };
    try {
      return await this.inner.run({ ...spec, onOutput });
    } finally {
      const kind = spec.cmd.includes('plue.evaluate') ? 'evaluate' : 'step';
      const call: SandboxCall = {
        kind,
        at,
        ms: now() - at,
        ...(firstOutputAt ? { firstOutputAt } : {}),
      };
      this.calls.push(call);
      this.onCall?.(call);
    }
  }
  /** Calls that started in [from, to]. */
  between(from: number, to: number): SandboxCall[] {
    return this.calls.filter((c) => c.at >= from && c.at <= to);
  }
}

export interface RunInfo {
  id: number;
  status: string;
  conclusion: string | null;
  head_sha: string;
  head_branch: string | null;
  run_attempt: number;
  created_at: string;
  run_started_at: string | null;
  completed_at: string | null;
}

export class BenchApi {
  readonly api: string;
  constructor(
    base: string,
    full: string,
    private readonly token: string,
  ) {
    this.api = `${base}/api/v1/repos/${full}`;
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.api}${path}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** `POST …/actions/runs/{id}/rerun`; the new run's id. */
  async rerun(id: number): Promise<number> {
    const res = await fetch(`${this.api}/actions/runs/${id}/rerun`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (res.status !== 201) throw new Error(`rerun ${id}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: number }).id;
  }

  async runsOf(query: string): Promise<RunInfo[]> {
    return (await this.get<{ workflow_runs: RunInfo[] }>(`/actions/runs?${query}`)).workflow_runs;
  }

  /** Polls the runs list every `everyMs` until a run of `sha` exists; its id. */
  async discover(sha: string, everyMs: number, timeoutMs = 60_000): Promise<number> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const [run] = await this.runsOf(`head_sha=${sha}`);
      if (run) return run.id;
      if (now() > deadline) throw new Error(`no run for ${sha} after ${timeoutMs} ms`);
      await sleep(everyMs);
    }
  }

  /**
   * Subscribes to the repository's live feed of runs and resolves with the id of the first run of
   * `sha` it announces. Once subscribed it also asks the runs list once, in case the run was
   * queued before the subscription was (the feed replays nothing); no polling.
   */
  async discoverLive(sha: string, timeoutMs = 60_000): Promise<number> {
    const ac = new AbortController();
    let subscribed: () => void = () => undefined;
    const open = new Promise<void>((resolve) => (subscribed = resolve));
    const ofSha = (e: SseEvent) => (JSON.parse(e.data) as { head_sha?: string }).head_sha === sha;
    const feed = readSse(`${this.api}/actions/live`, {
      headers: { authorization: `Bearer ${this.token}` },
      timeoutMs,
      signal: ac.signal,
      onOpen: (res) => {
        if (res.status === 200) subscribed();
      },
      stop: (events) => events.some(ofSha),
    });
    const announced = feed.then((r) => {
      const run = r.events.find(ofSha);
      if (!run) throw new Error(`runs feed: ${r.status}, ended before a run of ${sha}`);
      return run.id;
    });
    // Unless the list found it, the answer is the feed's; a feed cut by the abort is then moot.
    void announced.catch(() => undefined);
    try {
      await Promise.race([open, announced]);
      const early = await this.runsOf(`head_sha=${sha}`).then(([run]) => run?.id);
      return early ?? (await announced);
    } finally {
      ac.abort();
    }
  }

  async waitCompleted(id: number, everyMs = 50, timeoutMs = 60_000): Promise<RunInfo> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const r = await this.get<RunInfo>(`/actions/runs/${id}`);
      if (r.status === 'completed') return r;
      if (now() > deadline) throw new Error(`run ${id} not completed after ${timeoutMs} ms`);
      await sleep(everyMs);
    }
  }

  /**
   * The live viewer: learns the run id from the repository's live feed of runs (subscribed to
   * before the push lands; `discoverLive`), opens the run's SSE stream, and records when the
   * first `step_output` carrying `line` and `run_completed` arrive.
   */
  async sseViewer(
    sha: string,
    line: string,
  ): Promise<{ id: number; foundAt: number; firstLineAt: number; streamDoneAt: number }> {
    const id = await this.discoverLive(sha);
    const foundAt = now();
    let firstLineAt = 0;
    let streamDoneAt = 0;
    const r = await readSse(`${this.api}/actions/runs/${id}/stream`, {
      headers: { authorization: `Bearer ${this.token}` },
      timeoutMs: 60_000,
      stop: (events) => {
        const last = events[events.length - 1];
        if (!firstLineAt && last?.event === 'step_output' && last.data.includes(line)) {
          firstLineAt = now();
        }
        if (last?.event === 'run_completed') streamDoneAt = now();
        return streamDoneAt > 0;
      },
    });
    if (r.status !== 200 || !firstLineAt || !streamDoneAt) {
      throw new Error(`SSE viewer of run ${id}: status ${r.status}, ${r.events.length} events`);
    }
    return { id, foundAt, firstLineAt, streamDoneAt };
  }

  /**
   * The polling viewer (the Gitea model): every `everyMs` it asks the runs list for the commit's
   * run and, once known, the step's log; resolves when the log shows `line`.
   */
  async pollingViewer(
    sha: string,
    step: string,
    line: string,
    everyMs: number,
  ): Promise<{ firstLineAt: number; requests: number }> {
    let id: number | undefined;
    let requests = 0;
    const deadline = now() + 60_000;
    for (;;) {
      const tick = now();
      if (id === undefined) {
        requests++;
        id = (await this.runsOf(`head_sha=${sha}`))[0]?.id;
      }
      if (id !== undefined) {
        // The run page asks for the log as soon as the run is listed (same tick).
        requests++;
        const res = await fetch(`${this.api}/actions/runs/${id}/steps/${step}/log`, {
          headers: { authorization: `Bearer ${this.token}` },
        });
        const text = await res.text();
        if (res.status === 200 && text.includes(line)) return { firstLineAt: now(), requests };
      }
      if (now() > deadline) throw new Error(`polling viewer never saw "${line}" for ${sha}`);
      await sleep(Math.max(0, everyMs - (now() - tick)));
    }
  }
}
