/**
 * The child of controller-process.ts: a runner controller with the local sandbox backend
 * (recorded), options from PLUE_BENCH_CONTROLLER, marks and sandbox calls sent to the parent.
 */
import { startController } from '../../runner-controller/controller/controller';
import { LocalBackend } from '../../runner-controller/sandbox/local';
import type { ChildMessage, ControllerProcessOptions } from './controller-process';
import { now, RecordingBackend } from './workflow-clients';

const opts = JSON.parse(process.env.PLUE_BENCH_CONTROLLER ?? '{}') as ControllerProcessOptions;
const send = (m: ChildMessage) => process.send?.(m);
const backend = new RecordingBackend(new LocalBackend(), (call) => send({ type: 'call', call }));
const controller = await startController({
  url: opts.url,
  secret: opts.secret,
  concurrency: opts.concurrency,
  backend,
  repoOwner: opts.repoOwner,
  trace: (mark, id) => send({ type: 'mark', mark, id, at: now() }),
  log: opts.log
    ? (m) => console.error(`${new Date().toISOString()} controller: ${m}`)
    : () => undefined,
});
process.on('message', (m: { type?: string }) => {
  if (m.type !== 'stop') return;
  void controller.stop({ abandon: true }).finally(() => process.exit(0));
});
process.on(
  'disconnect',
  () => void controller.stop({ abandon: true }).finally(() => process.exit(0)),
);
send({ type: 'ready' });
