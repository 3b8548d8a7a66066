/**
 * The run log's wire and storage formats (pure, no I/O), shared by the RunStream Durable Object
 * and the Worker's runs service.
 *
 * Producers post chunks. A chunk is named by `event` (or `type`, so the runner controller's
 * executor events can be posted as they are):
 * - `step_output` `{step_id, stream: stdout|stderr, seq, data: string}`, and the agent events
 *   `llm_token`, `tool_start`, `tool_end` `{step_id, seq, data}`: `seq` counts from 1 per step
 *   across all of these; `(step_id, seq)` makes a retried append harmless and fixes the order.
 * - lifecycle events `run_started`, `step_started`, `step_completed`, `run_completed`: at most
 *   one of each per step (or per run), so they need no seq. Their payload is `data` when it is an
 *   object, else the chunk's other fields (e.g. `{status, exit_code}`).
 * `{stream: 'event', event: name}` is accepted as another spelling of a non-output chunk.
 *
 * Each stored chunk becomes a record with a run-wide id (1, 2, 3…), kept as one JSON line
 * (`recordLine`). That line is the SSE `data:`, the WebSocket message and the line of the
 * archived `log.ndjson`, so a viewer's events concatenated with "\n" are the archive byte for byte.
 */

export type OutputStream = 'stdout' | 'stderr';
export const LIFECYCLE_EVENTS = [
  'run_started',
  'step_started',
  'step_completed',
  'run_completed',
] as const;
export const SEQUENCED_EVENTS = ['step_output', 'llm_token', 'tool_start', 'tool_end'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];
export type SequencedEvent = (typeof SEQUENCED_EVENTS)[number];
export type EventName = LifecycleEvent | SequencedEvent;

/** A validated chunk. Run-level events have `step_id` ''. */
export interface Chunk {
  event: EventName;
  step_id: string;
  /** Only for step_output. */
  stream?: OutputStream;
  /** Only for sequenced events. */
  seq?: number;
  data: unknown;
}

/** A stored chunk. */
export interface LogRecord {
  id: number;
  event: EventName;
  step_id?: string;
  stream?: OutputStream;
  seq?: number;
  /** Milliseconds since the epoch when the chunk was stored. */
  t: number;
  data: unknown;
  /** Set on the marker that replaces output past a size limit or a sequence gap. */
  truncated?: true;
}

export interface ChunkLimits {
  maxChunks: number;
  /** UTF-8 bytes of one chunk's data (text, or serialised JSON for events). */
  maxChunkBytes: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxChunks: 1000, maxChunkBytes: 1 << 20 };
export const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const RESERVED = new Set(['event', 'type', 'step_id', 'stream', 'seq', 'data']);

export class ChunkError extends Error {}

const encoder = new TextEncoder();
export const utf8Length = (s: string): number => encoder.encode(s).length;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseOne(raw: unknown, i: number, limits: ChunkLimits): Chunk {
  const where = `chunk ${i}`;
  if (!isObject(raw)) throw new ChunkError(`${where}: must be an object`);
  const stream = raw.stream;
  const named = raw.event ?? raw.type;
  let event: EventName;
  if (named === undefined && (stream === 'stdout' || stream === 'stderr')) event = 'step_output';
  else if (
    typeof named === 'string' &&
    ((LIFECYCLE_EVENTS as readonly string[]).includes(named) ||
      (SEQUENCED_EVENTS as readonly string[]).includes(named))
  ) {
    event = named as EventName;
  } else {
    throw new ChunkError(
      `${where}: unknown event ${JSON.stringify(named)}; use ${[...SEQUENCED_EVENTS, ...LIFECYCLE_EVENTS].join(', ')}`,
    );
  }
  const runLevel = event === 'run_started' || event === 'run_completed';
  const stepId = raw.step_id ?? '';
  if (typeof stepId !== 'string' || (!runLevel && !STEP_ID.test(stepId))) {
    throw new ChunkError(`${where}: step_id must match ${STEP_ID.source}`);
  }
  const chunk: Chunk = { event, step_id: runLevel ? '' : stepId, data: null };
  if (event === 'step_output') {
    if (stream !== 'stdout' && stream !== 'stderr') {
      throw new ChunkError(`${where}: stream must be stdout or stderr`);
    }
    if (typeof raw.data !== 'string') throw new ChunkError(`${where}: data must be a string`);
    chunk.stream = stream;
    chunk.data = raw.data;
  } else if (stream !== undefined && stream !== 'event') {
    throw new ChunkError(`${where}: stream of a ${event} chunk must be "event" or absent`);
  }
  if ((SEQUENCED_EVENTS as readonly string[]).includes(event)) {
    const seq = raw.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
      throw new ChunkError(`${where}: seq must be an integer ≥ 1 (counting from 1 per step)`);
    }
    chunk.seq = seq;
  }
  if (event !== 'step_output') {
    if (raw.data !== undefined) chunk.data = raw.data;
    else {
      const rest: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw)) if (!RESERVED.has(k)) rest[k] = v;
      chunk.data = rest;
    }
  }
  const size =
    typeof chunk.data === 'string'
      ? utf8Length(chunk.data)
      : utf8Length(JSON.stringify(chunk.data));
  if (size > limits.maxChunkBytes) {
    throw new ChunkError(`${where}: data is ${size} bytes; at most ${limits.maxChunkBytes}`);
  }
  return chunk;
}

/** Validates a producer's batch: `{chunks: [...]}`, `{events: [...]}` or a bare array. */
export function parseChunks(body: unknown, limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): Chunk[] {
  const list = Array.isArray(body)
    ? body
    : isObject(body)
      ? (body.chunks ?? body.events)
      : undefined;
  if (!Array.isArray(list)) throw new ChunkError('the body must be {"chunks": [...]}');
  if (list.length > limits.maxChunks) {
    throw new ChunkError(`at most ${limits.maxChunks} chunks per request`);
  }
  return list.map((raw, i) => parseOne(raw, i, limits));
}

/**
 * What a sequenced chunk adds to its step's plain-text log: output as it is, a model step's
 * text as it is, a tool call as `▶ name {input}` and its result as `◀ name ok|error` and the
 * output. Undefined for chunks without text.
 */
export function plainTextOf(event: EventName, data: unknown): string | undefined {
  if (event === 'step_output' || event === 'llm_token')
    return typeof data === 'string' ? data : undefined;
  if (!isObject(data)) return undefined;
  const name = typeof data.name === 'string' ? data.name : 'tool';
  if (event === 'tool_start') return `\n▶ ${name} ${JSON.stringify(data.input ?? {})}\n`;
  if (event === 'tool_end') {
    const output = typeof data.output === 'string' ? data.output : '';
    return `◀ ${name} ${data.ok === false ? 'error' : 'ok'}\n${output}${output.endsWith('\n') || output === '' ? '' : '\n'}`;
  }
  return undefined;
}

/** The record as one JSON line (no newline), keys in a fixed order starting with id and event. */
export function recordLine(r: LogRecord): string {
  const o: Record<string, unknown> = { id: r.id, event: r.event };
  if (r.step_id) o.step_id = r.step_id;
  if (r.stream !== undefined) o.stream = r.stream;
  if (r.seq !== undefined) o.seq = r.seq;
  o.t = r.t;
  o.data = r.data;
  if (r.truncated) o.truncated = true;
  return JSON.stringify(o);
}

const HEAD = /^\{"id":(\d+),"event":"([a-z_]+)"/;

/** Id and event of a record line, read from its fixed prefix without parsing the rest. */
export function lineHead(line: string): { id: number; event: string } | undefined {
  const m = HEAD.exec(line);
  return m ? { id: Number(m[1]), event: m[2] as string } : undefined;
}

/** One Server-Sent Events frame. The line never contains a newline (it is JSON). */
export function sseFrame(id: number, event: string, line: string): string {
  return `id: ${id}\nevent: ${event}\ndata: ${line}\n\n`;
}

/** An SSE comment: keeps proxies and the browser from timing the connection out. */
export const SSE_HEARTBEAT = ': heartbeat\n\n';

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, cut between characters. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** `Last-Event-ID` or `?after=`: a non-negative integer, 0 when absent or malformed. */
export function parseAfter(value: string | null | undefined): number {
  if (value === null || value === undefined || !/^\d{1,15}$/.test(value.trim())) return 0;
  return Number(value.trim());
}
