/**
 * Reading a run's log: from the R2 archive once the run completed (byte ranges supported), from
 * the run's RunStream while it is live. Also the viewer connections (SSE, WebSocket) and the
 * polling read, all forwarded to the RunStream after the route has authorised the viewer.
 */
import {
  RUN_VIEWER_HEADER,
  archiveKeys,
  lineHead,
  writeViewerIdentity,
  type ViewerIdentity,
} from '../../../durable-objects/formats';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { runStream } from './runs';

export type ByteRange = { offset: number; length?: number } | { suffix: number };

/** Parses a single `Range: bytes=…` header; undefined when absent, throws on a bad one. */
export function parseRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw rangeError();
  if (m[1] === '') return { suffix: Number(m[2]) };
  const offset = Number(m[1]);
  if (m[2] === '') return { offset };
  const end = Number(m[2]);
  if (end < offset) throw rangeError();
  return { offset, length: end - offset + 1 };
}

const rangeError = (): AppError =>
  new AppError('invalid', 'Range must be one "bytes=start-end" range', { code: 'range_invalid' });

/** A text body as a (possibly partial) response. */
function respond(
  body: ReadableStream | string,
  size: number,
  range: { offset: number; length: number } | undefined,
  contentType: string,
): Response {
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, no-cache',
  };
  if (!range) return new Response(body, { status: 200, headers });
  headers['Content-Range'] = `bytes ${range.offset}-${range.offset + range.length - 1}/${size}`;
  return new Response(body, { status: 206, headers });
}

function unsatisfiable(size: number): Response {
  return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${size}` } });
}

function resolve(range: ByteRange, size: number): { offset: number; length: number } | undefined {
  if ('suffix' in range) {
    const length = Math.min(range.suffix, size);
    return length === 0 ? undefined : { offset: size - length, length };
  }
  if (range.offset >= size) return undefined;
  return { offset: range.offset, length: Math.min(range.length ?? size, size - range.offset) };
}

/** Serves an R2 object or, when absent, the live text, with the request's byte range. */
async function serveText(
  env: Env,
  key: string,
  live: () => Promise<string | undefined>,
  rangeHeader: string | undefined,
  contentType: string,
): Promise<Response> {
  const range = parseRange(rangeHeader);
  const head = await env.BLOBS.head(key);
  if (head) {
    if (!range) {
      const obj = await env.BLOBS.get(key);
      if (!obj) throw AppError.notFound('Log not found', 'log_not_found');
      return respond(obj.body, obj.size, undefined, contentType);
    }
    const r = resolve(range, head.size);
    if (!r) return unsatisfiable(head.size);
    const obj = await env.BLOBS.get(key, { range: r });
    if (!obj) throw AppError.notFound('Log not found', 'log_not_found');
    return respond(obj.body, head.size, r, contentType);
  }
  const text = await live();
  if (text === undefined) throw AppError.notFound('Log not found', 'log_not_found');
  const bytes = new TextEncoder().encode(text);
  if (!range) return respond(text, bytes.length, undefined, contentType);
  const r = resolve(range, bytes.length);
  if (!r) return unsatisfiable(bytes.length);
  const part = bytes.slice(r.offset, r.offset + r.length);
  return respond(new Blob([part]).stream(), bytes.length, r, contentType);
}

/** The whole run log as NDJSON (one record per line). */
export function runLogResponse(env: Env, runId: string, range: string | undefined) {
  return serveText(
    env,
    archiveKeys(runId).log,
    () => runStream(env, runId).liveLog(runId),
    range,
    'application/x-ndjson; charset=utf-8',
  );
}

/**
 * One step's plain-text output. A step of the run that wrote nothing (`known`, e.g. a skipped
 * step) has an empty log, not a missing one: the archive holds no object for it.
 */
export function stepLogResponse(
  env: Env,
  runId: string,
  stepId: string,
  range: string | undefined,
  known: boolean,
) {
  return serveText(
    env,
    archiveKeys(runId).step(stepId),
    async () =>
      (await runStream(env, runId).liveStepText(runId, stepId)) ?? (known ? '' : undefined),
    range,
    'text/plain; charset=utf-8',
  );
}

/** One step's output as text: archived, or live, or '' when it wrote none. */
async function stepText(env: Env, runId: string, stepId: string): Promise<string> {
  const obj = await env.BLOBS.get(archiveKeys(runId).step(stepId));
  if (obj) return obj.text();
  return (await runStream(env, runId).liveStepText(runId, stepId)) ?? '';
}

/** A step as the text log's heading names it. */
export interface TextLogStep {
  step_id: string;
  name: string;
  conclusion: string | null;
  status: string;
  exit_code: number | null;
  note: string | null;
}

/**
 * The whole run as one plain-text download: each step under a heading naming its result (and
 * exit code), in the run's step order. Read one step at a time.
 */
export function runTextResponse(
  env: Env,
  runId: string,
  steps: TextLogStep[],
  filename: string,
): Response {
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const s = steps[i++];
      if (!s) return controller.close();
      const state = (s.conclusion ?? s.status).replace('_', ' ');
      const exit =
        (s.exit_code === null ? '' : `, exit ${s.exit_code}`) + (s.note ? ` (${s.note})` : '');
      const text = await stepText(env, runId, s.step_id);
      const end = text === '' || text.endsWith('\n') ? '' : '\n';
      const name = s.name === s.step_id ? s.name : `${s.name} (${s.step_id})`;
      controller.enqueue(encoder.encode(`== ${name}: ${state}${exit} ==\n${text}${end}\n`));
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'Cache-Control': 'private, no-cache',
    },
  });
}

/** The authorised viewer of a stream, and a fresh check of its access. */
export interface StreamViewer {
  who: ViewerIdentity;
  /** Authorises the viewer again (from the database); throws when it may no longer read. */
  recheck: () => Promise<unknown>;
}

/**
 * Opens a viewer connection (`/sse` or `/ws`) on the run's stream for an authorised viewer. The
 * RunStream keeps the viewer's identity so a later change of access ends it; and once it has
 * accepted the viewer, access is checked again, which closes the gap between the first check
 * and the viewer's arrival (see services/runs/run-viewer-access.ts).
 */
export async function openViewer(
  env: Env,
  runId: string,
  kind: 'sse' | 'ws',
  request: Request,
  after: string | undefined,
  viewer: StreamViewer,
): Promise<Response> {
  const url = new URL(`https://run-stream/${kind}`);
  url.searchParams.set('run', runId);
  if (after !== undefined) url.searchParams.set('after', after);
  const inner = new Request(url, request);
  inner.headers.set(RUN_VIEWER_HEADER, writeViewerIdentity(viewer.who));
  const res = await runStream(env, runId).fetch(inner);
  if (res.status === 429) {
    throw new AppError('rate_limited', `${await res.text()}; try again shortly`, {
      code: 'too_many_viewers',
      retryAfter: 5,
    });
  }
  try {
    await viewer.recheck();
  } catch (err) {
    await res.body?.cancel().catch(() => undefined);
    if (res.webSocket) {
      try {
        res.webSocket.accept();
        res.webSocket.close(1008, 'access revoked');
      } catch {
        /* the RunStream's side ends with the dropped connection */
      }
    }
    throw err;
  }
  return res;
}

/** Records after `after`, for clients that poll. */
export async function pollRecords(env: Env, runId: string, after: number, limit: number) {
  const { lines, completed } = await runStream(env, runId).recordsAfter(runId, after, limit);
  const records = lines.map((l) => JSON.parse(l) as unknown);
  const last = lines.length > 0 ? (lineHead(lines[lines.length - 1] ?? '')?.id ?? after) : after;
  return { records, next_after: last, completed: completed && lines.length < limit };
}
