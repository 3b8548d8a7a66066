/**
 * The Worker's own address under `wrangler dev` (found by scripts/worker-socket.ts), where the
 * benchmarks time what production would serve. Users reach Plue through the front door
 * (scripts/front-door.ts), a byte relay to that same socket; benchmarks print the figure through
 * the front door beside the one at the socket.
 */
import { findWorkerPort } from '../../scripts/worker-socket';

/**
 * The URL of the Worker's workerd socket under the `wrangler dev` process `wranglerPid` (whose
 * own reload proxy listens at `wranglerUrl`); `wranglerUrl` itself when none answers.
 */
export async function directWorkerUrl(wranglerPid: number, wranglerUrl: string): Promise<string> {
  const port = await findWorkerPort(wranglerPid, Number(new URL(wranglerUrl).port));
  return port === undefined ? wranglerUrl : `http://127.0.0.1:${port}`;
}

/**
 * Worker settings of every benchmark stack: request lines off (`LOG_LEVEL=warn`). Under
 * `wrangler dev` each console line travels through the inspector to wrangler's terminal, about
 * 1–4 ms per request that production (Workers Logs) does not pay; wrangler still prints its own
 * line per request.
 */
export const BENCH_WORKER_VARS: Record<string, string> = { LOG_LEVEL: 'warn' };
