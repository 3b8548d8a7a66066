/**
 * The `unsandboxed` backend: steps run as plain child processes of the controller, with the
 * controller's user and full access to the host. Only for an operator who opted in with
 * PLUE_ALLOW_UNSANDBOXED=1 (select.ts warns loudly). It still clears the environment, applies
 * timeouts and kills the process group; it cannot enforce memory, network or file isolation.
 */
import { runProcess } from './spawn-step';
import { SANDBOX_PATH, type RunResult, type RunSpec, type SandboxBackend } from './types';

export class UnsandboxedBackend implements SandboxBackend {
  readonly name = 'unsandboxed';
  readonly supportsStdin = true;

  constructor(private readonly killGraceMs = 2000) {}

  async check(): Promise<{ ok: boolean; detail: string }> {
    return {
      ok: true,
      detail: 'UNSANDBOXED: steps run as the controller user with full access to this host',
    };
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const env = { ...spec.env, PATH: process.env.PATH ?? SANDBOX_PATH, HOME: spec.cwd };
    const outcome = await runProcess(spec, {
      argv: ['/bin/sh', '-c', spec.cmd],
      env,
      cwd: spec.cwd,
      killGraceMs: this.killGraceMs,
    });
    return outcome;
  }
}
