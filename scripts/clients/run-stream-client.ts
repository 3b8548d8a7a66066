/**
 * Clients for run-stream tests and the benchmark: a public or private repository with a run, a
 * producer posting chunks with the run token, and an SSE reader that parses frames as they
 * arrive (and can be cut off mid-stream).
 */
import { COMPONENT_CREDENTIALS, type Component } from '../../common/dev-secret';
import { signUp, type SignUp } from './auth';

/** The header of a component's development credential (the local stack's wrangler.toml). */
export function devCredential(component: Component): Record<string, string> {
  const c = COMPONENT_CREDENTIALS[component];
  return { [c.header]: c.devDefault };
}
/** Run creation, a run stream's state and restart, the pack listing (operators and tests). */
export const OPERATOR = devCredential('operator');
/** The runner controller's /internal/controller/* (claims, sweeps, the tick). */
export const CONTROLLER = devCredential('controller');

export interface TestRun {
  owner: SignUp;
  repo: string;
  runId: number;
  token: string;
  api: string;
}

/** Signs up an owner, creates a repository and a queued run with the given steps. */
export async function makeRun(
  base: string,
  opts: { private?: boolean; steps?: string[]; owner?: SignUp } = {},
): Promise<TestRun> {
  const owner = opts.owner ?? (await signUp(base));
  const name = `runs-${Math.random().toString(36).slice(2, 8)}`;
  const r = await fetch(`${base}/api/v1/user/repos`, {
    method: 'POST',
    headers: owner.headers,
    body: JSON.stringify({ name, private: opts.private ?? false }),
  });
  if (r.status !== 201) throw new Error(`create repo: ${r.status} ${await r.text()}`);
  const steps = (opts.steps ?? ['build', 'test']).map((id) => ({ id, name: id, type: 'run' }));
  const c = await fetch(`${base}/internal/runs`, {
    method: 'POST',
    headers: { ...OPERATOR, 'content-type': 'application/json' },
    body: JSON.stringify({
      owner: owner.user.login,
      repo: name,
      workflow: 'ci',
      workflow_file: '.plue/workflows/ci.py',
      event: 'push',
      head_sha: 'ab'.repeat(20),
      head_branch: 'main',
      plan: { steps },
    }),
  });
  if (c.status !== 201) throw new Error(`create run: ${c.status} ${await c.text()}`);
  const { run, token } = (await c.json()) as { run: { id: number }; token: string };
  return {
    owner,
    repo: name,
    runId: run.id,
    token,
    api: `${base}/api/v1/repos/${owner.user.login}/${name}/actions/runs/${run.id}`,
  };
}

/** Posts a batch of chunks with the run token. */
export async function post(
  base: string,
  run: TestRun,
  chunks: unknown[],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/internal/runs/${run.runId}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${run.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ chunks }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface SseEvent {
  id: number;
  event: string;
  data: string;
}

/**
 * Reads an SSE response until it ends, `stop(events)` returns true, `timeoutMs` passes or
 * `signal` aborts; returns the events received (a frame cut off mid-way is not an event).
 */
export async function readSse(
  url: string,
  opts: {
    headers?: Record<string, string>;
    stop?: (events: SseEvent[]) => boolean;
    timeoutMs?: number;
    onOpen?: (res: Response) => void;
    signal?: AbortSignal;
  } = {},
): Promise<{ status: number; events: SseEvent[]; ended: boolean; contentType: string }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs ?? 20_000);
  opts.signal?.addEventListener('abort', () => ac.abort(), { once: true });
  const events: SseEvent[] = [];
  let ended = false;
  try {
    const res = await fetch(url, { headers: opts.headers ?? {}, signal: ac.signal });
    opts.onOpen?.(res);
    const contentType = res.headers.get('content-type') ?? '';
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return { status: res.status, events, ended: true, contentType };
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          ended = true;
          break;
        }
        buf += value;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const ev: Partial<SseEvent> = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith('id: ')) ev.id = Number(line.slice(4));
            else if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) ev.data = line.slice(6);
          }
          if (ev.id !== undefined && ev.event && ev.data !== undefined) {
            events.push(ev as SseEvent);
            // The client "disconnects" right after this event: later frames are not seen.
            if (opts.stop?.(events)) break;
          }
        }
        if (opts.stop?.(events)) {
          ac.abort();
          break;
        }
      }
    } catch (err) {
      if (!ac.signal.aborted) throw err;
    }
    return { status: res.status, events, ended, contentType };
  } finally {
    clearTimeout(timer);
  }
}

/** Output chunks `text` numbered from `from` for one step. */
export const outputs = (stepId: string, from: number, texts: string[]) =>
  texts.map((data, i) => ({ step_id: stepId, stream: 'stdout', seq: from + i, data }));
