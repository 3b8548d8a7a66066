/**
 * The Worker's once-a-minute schedule for `npm start`: `wrangler dev` does not fire Cron Triggers,
 * so this calls the Worker's tick (`POST /internal/controller/tick`, the same code as its
 * `scheduled` handler) shortly after each minute starts. Scheduled workflows then fire and lost
 * runs are requeued or failed whether or not a runner controller is running.
 */
/** The header of the controller's credential (common/dev-secret.ts): the tick is its job. */
const CONTROLLER_SECRET_HEADER_NAME = 'X-Plue-Controller-Secret';

export interface TickerOptions {
  /** The Worker's base URL. */
  url: string;
  /** The controller credential the Worker was started with (PLUE_CONTROLLER_SECRET). */
  secret: string;
  /** Time between ticks; default one minute, aligned to the start of each minute. */
  intervalMs?: number;
  /** Told about failed ticks (the Worker not answering, or not 200). */
  onError?: (message: string) => void;
  /** Told about each tick's answer. */
  onTick?: (result: Record<string, unknown>) => void;
}

export interface Ticker {
  /** Runs one tick now. */
  tick(): Promise<void>;
  stop(): void;
}

/** Starts ticking; the first tick comes at the next interval boundary. */
export function startScheduleTicker(opts: TickerOptions): Ticker {
  const interval = opts.intervalMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async (): Promise<void> => {
    try {
      const res = await fetch(`${opts.url}/internal/controller/tick`, {
        method: 'POST',
        headers: {
          [CONTROLLER_SECRET_HEADER_NAME]: opts.secret,
          'content-type': 'application/json',
        },
        body: '{}',
        signal: AbortSignal.timeout(Math.max(interval, 30_000)),
      });
      const text = await res.text();
      if (res.status !== 200) {
        opts.onError?.(`schedule tick: HTTP ${res.status} ${text.slice(0, 200)}`);
        return;
      }
      opts.onTick?.(JSON.parse(text) as Record<string, unknown>);
    } catch (err) {
      opts.onError?.(`schedule tick: ${(err as Error).message}`);
    }
  };
  const arm = (): void => {
    if (stopped) return;
    // A second past each boundary, so the tick lands inside the minute it is for.
    const wait = interval - (Date.now() % interval) + Math.min(1000, interval / 10);
    timer = setTimeout(() => {
      void tick().finally(arm);
    }, wait);
    timer.unref();
  };
  arm();
  return {
    tick,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
