/**
 * Runs one command in a sandbox pod through the exec subresource (the official client's `Exec`,
 * a WebSocket speaking `v5.channel.k8s.io`), feeding it stdin and handing its output on in the
 * order it arrived: stdout and stderr share one queue, so a consumer that is slow (back-pressure
 * from the run's log) delays both without reordering them. The exit status comes from the
 * status channel (a V1Status with reason NonZeroExitCode and an ExitCode cause).
 *
 * Caveat: the client writes frames as they come and does not pause the socket, so while the
 * consumer is slow, frames queue here in the controller (bounded by the output cap: past it,
 * bytes are only counted).
 */
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Exec, V1Status } from '@kubernetes/client-node';
import type { OutputStream } from '../types';

export interface PodExecInput {
  exec: Exec;
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  /** Fed to the command's stdin (null: the command gets none). */
  stdin: Readable | null;
  /** Output bytes delivered at most; the rest is counted as dropped. */
  maxOutputBytes: number;
  onOutput(stream: OutputStream, chunk: Uint8Array): void | Promise<void>;
  /** Aborting closes the connection at once (the caller deletes the pod). */
  signal?: AbortSignal;
}

export interface PodExecResult {
  /** Exit status; null when the connection ended without one (pod deleted, aborted). */
  exitCode: number | null;
  /** The status's message when it was not an exit status (e.g. the command was not found). */
  error?: string;
  outputBytes: number;
  droppedBytes: number;
}

/** The exit status a V1Status from the status channel reports (null: none). */
export function exitCodeOf(status: V1Status): number | null {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message !== undefined ? Number(cause.message) : NaN;
  return Number.isInteger(code) ? code : null;
}

/** Run `command` in the pod to its end; rejects only when the connection cannot be made. */
export async function execInPod(input: PodExecInput): Promise<PodExecResult> {
  let outputBytes = 0;
  let droppedBytes = 0;
  let queue: Promise<void> = Promise.resolve();
  let sinkError: unknown;
  const deliver = (stream: OutputStream, chunk: Buffer): Promise<void> => {
    const room = input.maxOutputBytes - outputBytes;
    if (room <= 0 || sinkError !== undefined) {
      droppedBytes += chunk.length;
      return queue;
    }
    const data = chunk.length > room ? chunk.subarray(0, room) : chunk;
    droppedBytes += chunk.length - data.length;
    outputBytes += data.length;
    queue = queue.then(async () => {
      if (sinkError === undefined) await input.onOutput(stream, new Uint8Array(data));
    });
    queue = queue.catch((err: unknown) => {
      sinkError = err;
    });
    return queue;
  };
  const sink = (stream: OutputStream) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        deliver(stream, chunk).then(() => done(), done);
      },
    });
  let status: V1Status | undefined;
  const sinks = [sink('stdout'), sink('stderr')] as const;
  const ws = await input.exec.exec(
    input.namespace,
    input.pod,
    input.container,
    input.command,
    sinks[0],
    sinks[1],
    input.stdin,
    false,
    (s) => {
      status = s;
    },
  );
  await new Promise<void>((resolve) => {
    const onAbort = () => ws.close();
    input.signal?.addEventListener('abort', onAbort, { once: true });
    if (input.signal?.aborted) ws.close();
    ws.addEventListener('close', () => {
      input.signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    ws.addEventListener('error', () => undefined);
  });
  // Frames may still wait in the sinks' own buffers: let them all through before answering. The
  // client ends the sinks when the status arrives; a dropped connection has no status.
  await Promise.all(
    sinks.map((s) => {
      if (!s.writableEnded) s.end();
      return finished(s).catch(() => undefined);
    }),
  );
  await queue;
  if (sinkError !== undefined) {
    throw sinkError instanceof Error ? sinkError : new Error(String(sinkError));
  }
  const exitCode = status ? exitCodeOf(status) : null;
  return {
    exitCode,
    ...(status && exitCode === null && status.message ? { error: status.message } : {}),
    outputBytes,
    droppedBytes,
  };
}
