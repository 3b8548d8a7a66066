/**
 * Helpers for the workflow end-to-end tests: a repository pushed with the real git client, a
 * runner controller in the test process scoped to the test's user, and polling of runs,
 * jobs, logs and commit statuses through the public API.
 */
import { expect, vi } from 'vitest';
import {
  startController,
  type Controller,
  type ControllerOptions,
} from '../../runner-controller/controller/controller';
import type { SignUp } from '../../scripts/clients/auth';
import type { GitSandbox } from '../helpers/git';
import { remoteUrl } from '../helpers/git';
import { readSse, type SseEvent } from '../../scripts/clients/run-stream-client';
import { COMPONENT_CREDENTIALS } from '../../common/dev-secret';

/** The controller's development credential (the test stack's wrangler.toml). */
export const DEV_SECRET = COMPONENT_CREDENTIALS.controller.devDefault;

export interface RunJson {
  id: number;
  name: string;
  path: string;
  status: string;
  conclusion: string | null;
  head_sha: string;
  head_branch: string | null;
  event: string;
  run_attempt: number;
  html_url: string;
}

export interface JobJson {
  id: string;
  name: string;
  status: string;
  conclusion: string | null;
  exit_code: number | null;
}

export class WorkflowRepo {
  readonly api: string;
  constructor(
    readonly base: string,
    readonly owner: SignUp,
    readonly token: string,
    readonly name: string,
  ) {
    this.api = `${base}/api/v1/repos/${owner.user.login}/${name}`;
  }

  get headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' };
  }

  /** GET `path` under the repository API as JSON, expecting 200. */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.api}${path}`, { headers: this.headers });
    expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
    return (await res.json()) as T;
  }

  async runsOf(sha: string): Promise<RunJson[]> {
    const r = await this.get<{ workflow_runs: RunJson[] }>(`/actions/runs?head_sha=${sha}`);
    return r.workflow_runs;
  }

  /** Waits until `n` runs exist for `sha` (newest first). */
  async waitForRuns(sha: string, n = 1, timeoutMs = 60_000): Promise<RunJson[]> {
    return poll(async () => {
      const runs = await this.runsOf(sha);
      return runs.length >= n ? runs : undefined;
    }, timeoutMs);
  }

  async waitForRun(
    id: number,
    done: (r: RunJson) => boolean = (r) => r.status === 'completed',
    timeoutMs = 90_000,
  ): Promise<RunJson> {
    const run = await poll(async () => {
      const r = await this.get<RunJson>(`/actions/runs/${id}`);
      return done(r) ? r : undefined;
    }, timeoutMs);
    // The log marks a run completed a moment before the controller's completion call posts its
    // commit status; wait for that too so callers see a settled state.
    if (run.status === 'completed') {
      await poll(async () => {
        const s = await this.get<{ state: string }>(`/commits/${run.head_sha}/status`);
        return s.state !== 'pending' ? s : undefined;
      }, 15_000).catch(() => undefined);
    }
    return run;
  }

  async jobs(id: number): Promise<Record<string, JobJson>> {
    const r = await this.get<{ jobs: JobJson[] }>(`/actions/runs/${id}/jobs`);
    return Object.fromEntries(r.jobs.map((j) => [j.id, j]));
  }

  /** The run's SSE stream from the start until `run_completed` (or `until` says stop). */
  async stream(
    id: number,
    until: (events: SseEvent[]) => boolean = (ev) => ev.some((e) => e.event === 'run_completed'),
    timeoutMs = 90_000,
  ): Promise<SseEvent[]> {
    const r = await readSse(`${this.api}/actions/runs/${id}/stream`, {
      headers: { authorization: `Bearer ${this.token}` },
      stop: until,
      timeoutMs,
    });
    expect(r.status).toBe(200);
    return r.events;
  }
}

/** Concatenated output text of a stream's events. */
export function outputOf(events: SseEvent[]): string {
  return events
    .filter((e) => e.event === 'step_output')
    .map((e) => String((JSON.parse(e.data) as { data: unknown }).data))
    .join('');
}

/** Retries `fn` every 250 ms until it returns a value, or throws after `timeoutMs`. */
export function poll<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await fn();
      if (v === undefined) throw new Error(`timed out after ${timeoutMs} ms`);
      return v;
    },
    { timeout: timeoutMs, interval: 250 },
  );
}

/** Creates `name` for `owner` and pushes one commit holding `files` to main; returns its id. */
export async function pushRepo(
  base: string,
  g: GitSandbox,
  owner: SignUp,
  token: string,
  name: string,
  files: Record<string, string>,
): Promise<{ repo: WorkflowRepo; sha: string; dir: string }> {
  await owner.createRepo(name);
  const dir = await g.makeRepo(name, 0);
  let sha = '';
  for (const [path, content] of Object.entries(files)) {
    sha = await g.commitFile(dir, path, content, `add ${path}`);
  }
  await g.ok(dir, ['push', remoteUrl(base, owner.user.login, name, token), 'main']);
  return { repo: new WorkflowRepo(base, owner, token, name), sha, dir };
}

/** A controller in this process that only takes work of `owner`'s repositories. */
export function testController(
  base: string,
  owner: SignUp,
  over: Partial<ControllerOptions> = {},
): Promise<Controller> {
  return startController({
    url: base,
    secret: DEV_SECRET,
    repoOwner: owner.user.login,
    heartbeatMs: 1000,
    maxIdleMs: 300,
    log: () => undefined,
    ...over,
  });
}
