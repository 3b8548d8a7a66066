/**
 * The child of stack-process.ts: starts the stack with the options in PLUE_STACK_OPTIONS, prints
 * `READY <url>`, and stops it when its stdin closes (the parent stopped or died).
 */
import { startStack } from '../../scripts/stack';
import type { StackProcessOptions } from './stack-process';

const opts = JSON.parse(process.env.PLUE_STACK_OPTIONS ?? '{}') as StackProcessOptions;
const stack = await startStack({
  dataDir: opts.dataDir,
  port: opts.port,
  databaseUrl: opts.databaseUrl,
  ...(opts.extraVars ? { extraVars: opts.extraVars } : {}),
});
process.stdout.write(`READY ${stack.url}\n`);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
