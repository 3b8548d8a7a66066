/**
 * The runner controller in a child process of its own, as `npm start` runs it (apart from the
 * stack and from the viewers), for benches that time it: its trace marks
 * (runner-controller/controller/trace.ts) and its sandbox calls (RecordingBackend over the local
 * backend) come back over the IPC channel as they happen, stamped with the child's clock (the
 * epoch in milliseconds, as `now()`). `bench/lib/controller-process-main.ts` is the child.
 */
import { fork } from 'node:child_process';
import type { TraceMark } from '../../runner-controller/controller/trace';
import { ROOT } from '../../scripts/node22';
import type { SandboxCall } from './workflow-clients';

export interface ControllerProcessOptions {
  url: string;
  secret: string;
  concurrency: number;
  repoOwner: string;
  /** Print the controller's log on stderr. */
  log?: boolean;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'mark'; mark: TraceMark; id: number; at: number }
  | { type: 'call'; call: SandboxCall }
  | { type: 'stopped' };

export interface ControllerProcess {
  /** The sandbox calls made so far (RecordingBackend's). */
  calls: SandboxCall[];
  between(from: number, to: number): SandboxCall[];
  stop(): Promise<void>;
}

/** Starts the controller in a child process; resolves once it runs. */
export function startControllerProcess(
  opts: ControllerProcessOptions,
  onMark: (mark: TraceMark, id: number, at: number) => void,
): Promise<ControllerProcess> {
  const child = fork(`${ROOT}bench/lib/controller-process-main.ts`, [], {
    execArgv: ['--import', 'tsx'],
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, PLUE_BENCH_CONTROLLER: JSON.stringify(opts) },
  });
  const calls: SandboxCall[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'mark') onMark(m.mark, m.id, m.at);
      else if (m.type === 'call') calls.push(m.call);
      else if (m.type === 'ready') {
        resolve({
          calls,
          between: (from, to) => calls.filter((c) => c.at >= from && c.at <= to),
          stop: async () => {
            if (child.connected) child.send({ type: 'stop' });
            const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
            await exited;
            clearTimeout(timer);
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`the controller process exited (${code})`)));
  });
}
