/**
 * The sandbox backend interface: how the controller runs one untrusted command. Backends:
 * `local` (bubblewrap on this host, local.ts), `unsandboxed` (explicit operator opt-in only,
 * unsandboxed.ts) and `kubernetes` (a Job per step on gVisor, kubernetes/backend.ts). Everything
 * a backend needs comes in the spec; everything it learned comes back in the result — no ambient
 * state.
 */

import type { LimitSupport } from './cgroup';

export type OutputStream = 'stdout' | 'stderr';

/** An extra read-only mount (e.g. the plue SDK for workflow evaluation). */
export interface ReadOnlyMount {
  /** Host path. */
  source: string;
  /** Absolute path inside the sandbox. */
  target: string;
}

export interface RunSpec {
  /** Shell command, run as `/bin/sh -c cmd` inside the sandbox. */
  cmd: string;
  /** Host path of the run's workspace; it is the step's working directory and $HOME. */
  cwd: string;
  /** Exactly the step's environment (secrets included); the backend adds PATH and HOME only. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Memory limit for the whole step (all its processes), where the backend can enforce it. */
  memoryBytes?: number;
  /** Processes the step may have at once, and CPUs' worth of time it may use. */
  pidsMax?: number;
  cpus?: number;
  /** Whether the step may use the network; without it only its own loopback exists. */
  network: boolean;
  /**
   * Receives output as it arrives. Returning a promise applies back-pressure: the backend stops
   * reading that stream until it settles (the step then blocks in write() once the pipe is full).
   */
  onOutput(stream: OutputStream, chunk: Uint8Array): void | Promise<void>;
  /** Aborting kills the step's whole process tree; the result says `cancelled`. */
  signal?: AbortSignal;
  /** Mount the workspace read-only (workflow evaluation). */
  workspaceReadOnly?: boolean;
  /** Extra read-only mounts. */
  mounts?: ReadOnlyMount[];
  /** Bytes of output delivered to onOutput at most; the rest is drained and counted. */
  maxOutputBytes?: number;
  /** The workflow's container image; only the `kubernetes` backend uses it (default: its own). */
  image?: string;
  /**
   * Bytes for the command's standard input, written once this settles, then closed (a rejected
   * promise closes it empty); without it stdin is empty. Only where `supportsStdin` says so.
   */
  stdin?: Promise<Uint8Array>;
}

export interface RunResult {
  /** Exit status of the step; null when it ended by a signal the backend could not map. */
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  cancelled: boolean;
  /** True when the memory limit was hit and the kernel killed a process of the step. */
  oomKilled?: boolean;
  /** Set when the workspace passed its size limit and the step was stopped: the size seen. */
  diskExceededBytes?: number;
  /** Forks the pids limit refused (the step tried to run more processes than allowed). */
  pidsRefused?: number;
  /** Limits asked for that this backend could not set here, each with why (never silent). */
  limitsNotHeld?: string[];
  durationMs: number;
  /** Output bytes delivered to onOutput, and bytes dropped past maxOutputBytes. */
  outputBytes: number;
  droppedBytes: number;
}

export interface SandboxBackend {
  readonly name: string;
  /** Which step limits hold (cgroup.ts), once `check()` ran; undefined: this backend sets none. */
  readonly limitSupport?: LimitSupport | undefined;
  /** Whether `RunSpec.stdin` reaches the command (warm evaluators need it, warm-evaluator.ts). */
  readonly supportsStdin?: boolean;
  /** Readies a fresh workspace for steps ahead of them (ownership), where the backend needs it. */
  prepareWorkspace?(dir: string): Promise<void>;
  /** Probe the backend once at start: can it really isolate a step here? */
  check(): Promise<{ ok: boolean; detail: string }>;
  run(spec: RunSpec): Promise<RunResult>;
}

/** Default per-step output cap (GitLab Runner's default job log limit). */
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Path of the workspace inside a sandbox. */
export const SANDBOX_WORKSPACE = '/workspace';
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
