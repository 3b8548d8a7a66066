/**
 * The runner controller as a program (`npm start` runs it beside the Worker): reads its
 * settings from the environment, checks the sandbox, serves `GET /health` on PLUE_RUNNER_PORT,
 * and runs the controller loop (controller/controller.ts) until SIGTERM/SIGINT, when it stops
 * claiming and waits up to 10 s for the runs in progress, then abandons them (so does a second
 * signal): their leases expire and the Worker requeues them.
 *
 * Environment: PLUE_URL (the Worker, default http://127.0.0.1:8787), PLUE_CONTROLLER_SECRET
 * (the controller's own credential; default: the development value of wrangler.toml, accepted
 * only in development mode with the Worker and this server on loopback; PLUE_ENV=production
 * refuses it), PLUE_RUNNER_PORT (default 8790),
 * PLUE_RUNNER_HOST (default 127.0.0.1), PLUE_DATA_DIR (workspaces go to <dir>/workspaces when
 * the sandbox user can reach it, else under the temp directory),
 * PLUE_RUNNER_CONCURRENCY (runs at once, default 2), PLUE_EVENT_CONCURRENCY (event claims
 * handled at once, default 2), PLUE_CLAIM_WAIT_SECONDS (how long the
 * Worker holds an empty claim, 0–25, default 20; 0 polls), PLUE_ALLOW_UNSANDBOXED=1 and
 * PLUE_SANDBOX_BACKEND=local|kubernetes with the PLUE_K8S_* settings (see sandbox/select.ts),
 * PLUE_STEP_MEMORY_MB / PLUE_STEP_PIDS_MAX / PLUE_STEP_CPUS (default step limits, sandbox/limits.ts;
 * the start log says which of them hold here), and the model provider's ANTHROPIC_API_KEY,
 * PLUE_LLM_* (agent/provider.ts agentConfigFromEnv).
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { COMPONENT_CREDENTIALS, componentSecretProblem } from '../common/dev-secret';
import { agentConfigFromEnv } from './agent/provider';
import { startController } from './controller/controller';

/** Whether every directory above `dir` lets others pass (the sandbox's uid must reach it). */
function traversable(dir: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (dirname(d) === d) return true;
  }
}

/** `<PLUE_DATA_DIR>/workspaces` when the sandbox user can reach it, else one under the temp dir. */
function workspacesDir(dataDir: string | undefined): string {
  const wanted = dataDir ? join(dataDir, 'workspaces') : join(tmpdir(), 'plue-workspaces');
  if (traversable(dataDir ?? tmpdir())) {
    mkdirSync(wanted, { recursive: true, mode: 0o755 });
    return wanted;
  }
  const fallback = join(tmpdir(), `plue-workspaces-${process.pid}`);
  console.error(
    `runner-controller: ${dataDir} is not reachable by the sandbox user; workspaces go to ${fallback}`,
  );
  mkdirSync(fallback, { recursive: true, mode: 0o755 });
  return fallback;
}

/** PLUE_CLAIM_WAIT_SECONDS: 0–25, default 20. */
function claimWaitOf(raw: string | undefined): number {
  const n = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(n) ? Math.min(Math.max(n, 0), 25) : 20;
}

async function main(): Promise<void> {
  const env = process.env;
  const url = env.PLUE_URL ?? 'http://127.0.0.1:8787';
  const port = Number(env.PLUE_RUNNER_PORT ?? 8790);
  const host = env.PLUE_RUNNER_HOST ?? '127.0.0.1';
  const secret = env.PLUE_CONTROLLER_SECRET || COMPONENT_CREDENTIALS.controller.devDefault;
  const problem = componentSecretProblem({
    component: 'controller',
    mode: env.PLUE_ENV || 'development',
    secret,
    addresses: [url, host],
  });
  if (problem !== undefined) throw new Error(problem);
  const dataDir = workspacesDir(env.PLUE_DATA_DIR || undefined);
  const fallback = dataDir.startsWith(join(tmpdir(), 'plue-workspaces-'));
  const concurrency = Math.max(1, Number(env.PLUE_RUNNER_CONCURRENCY ?? 2) || 2);
  const controller = await startController({
    url,
    secret,
    concurrency,
    eventConcurrency: Math.max(1, Number(env.PLUE_EVENT_CONCURRENCY ?? 2) || 2),
    dataDir,
    agent: agentConfigFromEnv(env),
    // Long poll (default 20 s; 0 polls with back-off). A held claim claims nothing itself, so a
    // controller that stops while one is held is never handed work.
    claimWaitSeconds: claimWaitOf(env.PLUE_CLAIM_WAIT_SECONDS),
  });
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'ok',
          id: controller.id,
          backend: controller.backend.name,
          active_runs: controller.active,
          concurrency,
          handled: { events: controller.stats.events, runs: controller.stats.runs },
          claims_asked: controller.stats.claims,
          last_error: controller.stats.lastError,
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  server.listen(port, host);
  let signals = 0;
  const shutdown = () => {
    signals++;
    console.log(
      signals === 1 ? 'runner-controller: stopping…' : 'runner-controller: abandoning runs',
    );
    const grace = setTimeout(() => void controller.stop({ abandon: true }), 10_000);
    void controller.stop({ abandon: signals > 1 }).then(async () => {
      clearTimeout(grace);
      // The kubernetes backend deletes its idle warm pods; the local one its generated /etc.
      const backend = controller.backend as { close?: () => void | Promise<void> };
      await Promise.resolve(backend.close?.()).catch(() => undefined);
      if (fallback) rmSync(dataDir, { recursive: true, force: true });
      server.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(
    `runner-controller could not start: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});
