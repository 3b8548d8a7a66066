/**
 * `npm start`: runs all of Plue on this machine — the database (embedded PGlite under .plue/
 * unless DATABASE_URL is set), migrations, the Worker and its Durable Objects under
 * `wrangler dev`, the SSH bridge and the runner controller — and prints where each listens.
 * It also runs the Worker's once-a-minute schedule (scheduled workflows, the lost-run sweep),
 * which `wrangler dev` never fires. Ctrl-C stops everything; the next start finds the data again.
 *
 * PLUE_PUBLIC_URL (default http://<PLUE_HOST>:<PORT>) is where users reach Plue: sign-in
 * messages must name it. Each component gets its own credential: PLUE_BRIDGE_SECRET (the Worker
 * and the SSH bridge) and PLUE_CONTROLLER_SECRET (the Worker, the runner controller and the
 * schedule tick), each, when unset, a fresh random secret per start (never the public dev
 * default), and each given only to the program that uses it. PLUE_OPERATOR_SECRET (the operator
 * endpoints) is passed to the Worker when set, and otherwise unset: those endpoints stay closed.
 * PLUE_SECRETS_KEY, the Worker's own key, goes to the Worker alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostKeyPath, loadOrCreateHostKey } from '../ssh-bridge/host-key';
import { ROOT } from './node22';
import { startScheduleTicker, type Ticker } from './schedule-ticker';
import { redact, startStack, urlHost, type Stack } from './stack';

const env = process.env;
const host = env.PLUE_HOST ?? '127.0.0.1';
const port = Number(env.PORT ?? 8787);
const sshPort = Number(env.PLUE_SSH_PORT ?? 2222);
const runnerPort = Number(env.PLUE_RUNNER_PORT ?? 8790);
const dataDir = env.PLUE_DATA_DIR ?? `${ROOT}.plue`;
const databaseUrl = env.DATABASE_URL || undefined;
const anyAddress = host === '0.0.0.0' || host === '::';
const publicUrl =
  env.PLUE_PUBLIC_URL || `http://${anyAddress ? '127.0.0.1' : urlHost(host)}:${port}`;
const bridgeSecret = env.PLUE_BRIDGE_SECRET || randomBytes(32).toString('hex');
const controllerSecret = env.PLUE_CONTROLLER_SECRET || randomBytes(32).toString('hex');

/** Node services started beside the Worker once their entry points exist, each with its secret. */
const services: Array<{
  name: string;
  entry: string;
  listen: string;
  secrets: Record<string, string>;
}> = [
  {
    name: 'ssh-bridge',
    entry: 'ssh-bridge/main.ts',
    listen: `ssh://git@${host}:${sshPort}`,
    secrets: { PLUE_BRIDGE_SECRET: bridgeSecret },
  },
  {
    name: 'runner-controller',
    entry: 'runner-controller/main.ts',
    listen: `http://${host}:${runnerPort}`,
    secrets: { PLUE_CONTROLLER_SECRET: controllerSecret },
  },
];

/** The environment of a component: ours without any credential, plus its own. */
function componentEnv(secrets: Record<string, string>): NodeJS.ProcessEnv {
  const rest: NodeJS.ProcessEnv = { ...env };
  for (const k of [
    'PLUE_BRIDGE_SECRET',
    'PLUE_CONTROLLER_SECRET',
    'PLUE_OPERATOR_SECRET',
    'PLUE_SECRETS_KEY',
    'PLUE_INTERNAL_SECRET',
  ]) {
    delete rest[k];
  }
  return { ...rest, ...secrets };
}

const children: ChildProcess[] = [];
let stack: Stack | undefined;
let ticker: Ticker | undefined;
let stopping = false;

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Plue…');
  ticker?.stop();
  for (const c of children) c.kill('SIGTERM');
  await stack?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log(
    `Starting Plue (data in ${dataDir}, database: ${databaseUrl ? redact(databaseUrl) : 'embedded PGlite'})…`,
  );
  // The SSH host key is made here (not by the bridge) so the Worker can show its fingerprint.
  const hostKey = loadOrCreateHostKey(hostKeyPath(dataDir));
  const sshUrl = `ssh://git@${host}:${sshPort}/`;
  stack = await startStack({
    dataDir,
    port,
    host,
    databaseUrl,
    extraVars: {
      PLUE_SSH_URL: sshUrl,
      PLUE_SSH_FINGERPRINT: hostKey.fingerprint,
      PLUE_PUBLIC_URL: publicUrl,
      PLUE_BRIDGE_SECRET: bridgeSecret,
      PLUE_CONTROLLER_SECRET: controllerSecret,
      // When unset, a value no one knows replaces wrangler.toml's dev default: the operator
      // endpoints stay closed.
      PLUE_OPERATOR_SECRET: env.PLUE_OPERATOR_SECRET || randomBytes(32).toString('hex'),
    },
    stdio: 'inherit',
    log: (l) => console.log(`  ${l}`),
  });
  const lines = [`  Web        ${publicUrl}`, `  API        ${publicUrl}/api/v1/health`];
  ticker = startScheduleTicker({
    url: stack.url,
    secret: controllerSecret,
    onError: (m) => console.error(m),
    // Quiet while nothing happens; one line when the tick did something.
    onTick: (r) => {
      const said = Object.entries(r).filter(([, v]) => typeof v === 'number' && v > 0);
      if (said.length > 0)
        console.log(`  schedule: ${said.map(([k, v]) => `${k} ${v}`).join(', ')}`);
    },
  });
  for (const s of services) {
    if (!existsSync(`${ROOT}${s.entry}`)) {
      lines.push(`  ${s.name.padEnd(10)} ${s.listen} (not part of this build yet)`);
      continue;
    }
    const child = spawn(
      process.execPath,
      [`${ROOT}node_modules/tsx/dist/cli.mjs`, `${ROOT}${s.entry}`],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: {
          ...componentEnv(s.secrets),
          PLUE_URL: stack.url,
          PLUE_SSH_PORT: String(sshPort),
          PLUE_RUNNER_PORT: String(runnerPort),
          PLUE_DATA_DIR: dataDir,
        },
      },
    );
    child.on('exit', (code) => {
      if (!stopping) console.error(`${s.name} exited with code ${code}`);
    });
    children.push(child);
    lines.push(`  ${s.name.padEnd(10)} ${s.listen}`);
  }
  lines.push(`  SSH host key ${hostKey.fingerprint}`);
  if (stack.db.tcpUrl) {
    // Not the password itself: the terminal's scrollback is no place for it.
    const u = new URL(stack.db.tcpUrl);
    const pw = stack.db.passwordFile ? `$(cat '${stack.db.passwordFile}')` : '***';
    lines.push(`  psql       psql "postgres://${u.username}:${pw}@${u.host}${u.pathname}"`);
  }
  console.log(
    `\nPlue is running (${((Date.now() - t0) / 1000).toFixed(1)} s):\n${lines.join('\n')}`,
  );
  console.log(
    `  git remote  ${publicUrl}/<owner>/<repo>.git · ssh://git@${host}:${sshPort}/<owner>/<repo>.git`,
  );
  console.log('\nPress Ctrl-C to stop.');
}

main().catch(async (err: unknown) => {
  console.error(`\nPlue could not start: ${(err as Error).message}`);
  await shutdown(1);
});
