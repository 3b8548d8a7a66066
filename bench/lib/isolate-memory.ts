/**
 * The Worker isolate's own memory, sampled over the DevTools protocol that `wrangler dev` exposes
 * (`Runtime.getHeapUsage`: the V8 heap plus ArrayBuffer backing stores). This is what the 128 MB
 * limit of a deployed Worker counts. The workerd process's RSS, which the benchmarks print beside
 * it, also holds wrangler's local simulators of R2 and the Cache API (other isolates of the same
 * process; miniflare's R2 buffers tens of MiB per concurrent multipart read) and the allocator's
 * retained pages, none of which a deployed Worker carries.
 */
import WebSocket from 'ws';

interface HeapUsage {
  usedSize: number;
  totalSize: number;
  backingStorageSize?: number;
}

export interface IsolateSampler {
  /** Peak of used heap + backing stores since start, in bytes; stops sampling. */
  stop(): Promise<{ peak: number; heapPeak: number }>;
}

/**
 * Samples the Worker isolate behind wrangler's inspector on `port` every `everyMs`. With `gc`,
 * each sample follows a forced garbage collection, so the peak is the live set (slower: use it on
 * a run that is not being timed); without, the peak includes garbage not yet collected.
 */
export async function sampleIsolate(
  port: number,
  everyMs = 100,
  gc = false,
): Promise<IsolateSampler> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const target = targets[0]?.webSocketDebuggerUrl;
  if (!target) throw new Error('no Worker behind the inspector');
  const ws = new WebSocket(target);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const waiting = new Map<number, (r: HeapUsage) => void>();
  ws.on('message', (m: Buffer) => {
    const msg = JSON.parse(String(m)) as { id?: number; result?: HeapUsage };
    if (msg.id !== undefined && msg.result) waiting.get(msg.id)?.(msg.result);
    if (msg.id !== undefined) waiting.delete(msg.id);
  });
  const call = (method: string) =>
    new Promise<HeapUsage>((resolve) => {
      const n = ++id;
      waiting.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method }));
    });
  const usage = async () => {
    if (gc) await call('HeapProfiler.collectGarbage');
    return call('Runtime.getHeapUsage');
  };
  let peak = 0;
  let heapPeak = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void usage()
      .then((u) => {
        peak = Math.max(peak, u.usedSize + (u.backingStorageSize ?? 0));
        heapPeak = Math.max(heapPeak, u.usedSize);
      })
      .finally(() => (busy = false));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      ws.close();
      return { peak, heapPeak };
    },
  };
}
