/**
 * The run-stream benchmark's SSE viewers, spread over worker threads so that parsing 1,000
 * responses does not run in the producer's event loop (with `threads` 0 they run in the calling
 * thread, as the benchmark did before). Each thread keeps its own latency histogram and posts it
 * back with its viewers' stats when they are done. This module is also the threads' entry point.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Histogram } from './histogram';
import { sseViewer, type ViewerStats } from './sse-socket-viewer';

interface ThreadInput {
  sseViewerThread: true;
  url: string;
  viewers: number;
}

type ThreadMessage =
  { kind: 'connected' } | { kind: 'done'; stats: ViewerStats[]; buckets: Uint32Array };

export interface ViewerFleet {
  /** Viewers whose first response was a 200 so far. */
  connected(): number;
  /** Every viewer's stats and the merged latency histogram, once all have finished. */
  done: Promise<{ stats: ViewerStats[]; hist: Histogram }>;
  /** Tells viewers still following to give up (the benchmark failed). */
  stop(): void;
}

/** Starts `n` viewers in batches of 50 every 20 ms per thread, so connecting does not stampede. */
async function startViewers(
  url: string,
  n: number,
  hist: Histogram,
  connected: () => void,
  stopped: () => boolean,
): Promise<ViewerStats[]> {
  const viewers: Promise<ViewerStats>[] = [];
  for (let i = 0; i < n; i++) {
    viewers.push(sseViewer(url, hist, connected, stopped));
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
  }
  return Promise.all(viewers);
}

/** Opens `viewers` SSE viewers on `url` in `threads` worker threads (0: in this thread). */
export function startSseViewers(url: string, viewers: number, threads: number): ViewerFleet {
  let connected = 0;
  let stopped = false;
  if (threads === 0) {
    const hist = new Histogram();
    const done = startViewers(
      url,
      viewers,
      hist,
      () => connected++,
      () => stopped,
    ).then((stats) => ({ stats, hist }));
    return { connected: () => connected, done, stop: () => (stopped = true) };
  }
  const workers: Worker[] = [];
  const results: Promise<{ stats: ViewerStats[]; buckets: Uint32Array }>[] = [];
  for (let t = 0; t < threads; t++) {
    const n = Math.floor(viewers / threads) + (t < viewers % threads ? 1 : 0);
    const input: ThreadInput = { sseViewerThread: true, url, viewers: n };
    const w = new Worker(new URL(import.meta.url), { workerData: input });
    workers.push(w);
    results.push(
      new Promise((resolve, reject) => {
        w.on('message', (m: ThreadMessage) => {
          if (m.kind === 'connected') connected++;
          else resolve(m);
        });
        w.on('error', reject);
        w.on('exit', (code) => reject(new Error(`viewer thread exited with ${code}`)));
      }),
    );
  }
  const done = Promise.all(results).then((parts) => {
    const hist = new Histogram();
    for (const p of parts) hist.merge(p.buckets);
    void Promise.all(workers.map((w) => w.terminate()));
    return { stats: parts.flatMap((p) => p.stats), hist };
  });
  return {
    connected: () => connected,
    done,
    stop: () => {
      for (const w of workers) w.postMessage('stop');
    },
  };
}

const input = workerData as ThreadInput | undefined;
if (!isMainThread && parentPort && input?.sseViewerThread) {
  const port = parentPort;
  let stopped = false;
  port.on('message', () => (stopped = true));
  const hist = new Histogram();
  const stats = await startViewers(
    input.url,
    input.viewers,
    hist,
    () => port.postMessage({ kind: 'connected' } satisfies ThreadMessage),
    () => stopped,
  );
  const done: ThreadMessage = { kind: 'done', stats, buckets: hist.buckets };
  port.postMessage(done, [hist.buckets.buffer]);
  port.close();
}
