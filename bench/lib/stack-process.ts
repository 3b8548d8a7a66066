/**
 * The local stack (front door, database endpoint with embedded PGlite or the session pool, and
 * `wrangler dev`) in a child process of its own, as `npm start` runs it apart from the runner
 * controller (a separate process) and the viewers (browsers). A bench that runs the controller
 * and its clients in its own process starts the stack here, so that the controller's and the
 * clients' work does not delay the database's and the front door's on one event loop, which no
 * deployment does. `bench/lib/stack-process-main.ts` is the child.
 */
import { spawn } from 'node:child_process';
import { ROOT } from '../../scripts/node22';

export interface StackProcessOptions {
  dataDir: string;
  port: number;
  /** A real PostgreSQL server's database (embedded PGlite when unset). */
  databaseUrl?: string | undefined;
  extraVars?: Record<string, string>;
}

export interface StackProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts the stack in a child process; resolves once it answers at `url`. */
export function startStackProcess(opts: StackProcessOptions): Promise<StackProcess> {
  const child = spawn(
    process.execPath,
    [`${ROOT}node_modules/tsx/dist/cli.mjs`, `${ROOT}bench/lib/stack-process-main.ts`],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, PLUE_STACK_OPTIONS: JSON.stringify(opts) },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    // Closing its stdin asks the child to stop the stack (and wrangler's process tree) itself.
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^READY (\S+)$/m.exec(out);
      if (line?.[1]) resolve({ url: line[1], stop });
    });
    child.once('exit', (code) => reject(new Error(`the stack process exited (${code}): ${out}`)));
  });
}
