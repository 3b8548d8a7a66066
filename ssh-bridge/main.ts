/**
 * Entry point of the SSH bridge (`npm start` runs it beside the Worker; the container runs it in
 * production). Configuration from the environment:
 *   PLUE_URL               the Worker (default http://127.0.0.1:8787)
 *   PLUE_SSH_HOST / PORT   where to listen (default 127.0.0.1:2222)
 *   PLUE_DATA_DIR          where the host key is kept (default .plue)
 *   PLUE_BRIDGE_SECRET     the bridge's own credential for the Worker's internal API; the dev
 *                          default of wrangler.toml only in development mode with everything
 *                          on loopback
 *   PLUE_ENV               `production` refuses to start with the dev default (default development)
 *   PLUE_SSH_MAX_SESSIONS, PLUE_SSH_MAX_SESSIONS_PER_KEY, PLUE_SSH_IDLE_TIMEOUT_S   limits
 */
import { COMPONENT_CREDENTIALS, componentSecretProblem } from '../common/dev-secret';
import { DEFAULT_LIMITS, startBridge, type Limits } from './server';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

async function main(): Promise<void> {
  const env = process.env;
  const secret = env.PLUE_BRIDGE_SECRET || COMPONENT_CREDENTIALS.bridge.devDefault;
  const host = env.PLUE_SSH_HOST || '127.0.0.1';
  const upstreamUrl = env.PLUE_URL || 'http://127.0.0.1:8787';
  const problem = componentSecretProblem({
    component: 'bridge',
    mode: env.PLUE_ENV || 'development',
    secret,
    addresses: [upstreamUrl, host],
  });
  if (problem !== undefined) throw new Error(problem);
  const limits: Partial<Limits> = {
    maxSessions: intFromEnv('PLUE_SSH_MAX_SESSIONS', DEFAULT_LIMITS.maxSessions),
    maxSessionsPerKey: intFromEnv(
      'PLUE_SSH_MAX_SESSIONS_PER_KEY',
      DEFAULT_LIMITS.maxSessionsPerKey,
    ),
    idleTimeoutMs:
      intFromEnv('PLUE_SSH_IDLE_TIMEOUT_S', DEFAULT_LIMITS.idleTimeoutMs / 1000) * 1000,
  };
  const bridge = await startBridge({
    upstreamUrl,
    secret,
    dataDir: env.PLUE_DATA_DIR || '.plue',
    host,
    port: intFromEnv('PLUE_SSH_PORT', 2222),
    limits,
  });
  console.log(
    `  ssh-bridge listening on ${host}:${bridge.port}\n  SSH host key ${bridge.fingerprint} (ED25519)`,
  );
  const stop = (): void => {
    void bridge.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`ssh-bridge could not start: ${(err as Error).message}`);
  process.exit(1);
});
