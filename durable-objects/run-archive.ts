/**
 * Archiving a finished run's log to R2 and reading it back.
 *
 * Layout (immutable once written): `runs/<id>/log.ndjson` (every record line, newline-ended),
 * `runs/<id>/steps/<step_id>.log` (a step's plain-text output) and, written last,
 * `runs/<id>/index.json` — its presence means the archive is complete. Objects are streamed
 * into R2 with a known length (FixedLengthStream), so a large log never sits in memory whole.
 */
import { lineHead } from './run-log-format';
import type { RunLogStore } from './run-log-store';

export interface ArchiveIndex {
  run_id: string;
  last_id: number;
  log_bytes: number;
  steps: Record<string, number>;
  archived_at: string;
}

export const archiveKeys = (runId: string) => ({
  log: `runs/${runId}/log.ndjson`,
  index: `runs/${runId}/index.json`,
  step: (stepId: string) => `runs/${runId}/steps/${stepId}.log`,
});

const PAGE = 2000;
const encoder = new TextEncoder();

async function putStreamed(
  bucket: R2Bucket,
  key: string,
  length: number,
  contentType: string,
  produce: (write: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const { readable, writable } = new FixedLengthStream(length);
  const put = bucket.put(key, readable, { httpMetadata: { contentType } });
  const writer = writable.getWriter();
  try {
    await produce((text) => writer.write(encoder.encode(text)));
    await writer.close();
  } catch (err) {
    await writer.abort(err).catch(() => undefined);
    await put.catch(() => undefined);
    throw err;
  }
  await put;
}

/** Writes the whole log, each step's text, then the index. Safe to repeat after a failure. */
export async function archiveRun(
  store: RunLogStore,
  bucket: R2Bucket,
  runId: string,
  now: Date,
): Promise<ArchiveIndex> {
  const keys = archiveKeys(runId);
  const logBytes = store.logBytes();
  await putStreamed(bucket, keys.log, logBytes, 'application/x-ndjson', async (write) => {
    for (let after = 0; ;) {
      const page = store.recordsAfter(after, PAGE);
      if (page.length === 0) break;
      await write(page.map((r) => r.line + '\n').join(''));
      after = page[page.length - 1]?.id ?? after;
    }
  });
  const steps: Record<string, number> = {};
  for (const { step_id, n } of store.stepTextBytes()) {
    steps[step_id] = n;
    await putStreamed(bucket, keys.step(step_id), n, 'text/plain; charset=utf-8', async (write) => {
      for (let after = 0; ;) {
        const page = store.stepText(step_id, after, PAGE);
        if (page.length === 0) break;
        await write(page.map((r) => r.text).join(''));
        after = page[page.length - 1]?.id ?? after;
      }
    });
  }
  const index: ArchiveIndex = {
    run_id: runId,
    last_id: store.lastId,
    log_bytes: logBytes,
    steps,
    archived_at: now.toISOString(),
  };
  await bucket.put(keys.index, JSON.stringify(index), {
    httpMetadata: { contentType: 'application/json' },
  });
  return index;
}

export async function readArchiveIndex(
  bucket: R2Bucket,
  runId: string,
): Promise<ArchiveIndex | undefined> {
  const obj = await bucket.get(archiveKeys(runId).index);
  return obj ? ((await obj.json()) as ArchiveIndex) : undefined;
}

/**
 * Calls `onLine` for each archived record line with id > after, in order. Lines are split from
 * the object's byte stream as it arrives.
 */
export async function readArchivedLines(
  bucket: R2Bucket,
  runId: string,
  after: number,
  onLine: (id: number, event: string, line: string) => Promise<void> | void,
): Promise<boolean> {
  const obj = await bucket.get(archiveKeys(runId).log);
  if (!obj) return false;
  const reader = obj.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    const lines = (rest + (value ?? '')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const head = lineHead(line);
      if (head && head.id > after) await onLine(head.id, head.event, line);
    }
    if (done) break;
  }
  return true;
}
