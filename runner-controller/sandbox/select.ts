/**
 * Chooses the sandbox backend at controller start. PLUE_SANDBOX_BACKEND=kubernetes picks the
 * `kubernetes` backend (kubernetes/backend.ts), which must pass its check or the controller
 * refuses to start (never a fallback to anything weaker). Otherwise: the `local` bubblewrap backend when its
 * check passes; otherwise the `unsandboxed` backend only if the operator set
 * PLUE_ALLOW_UNSANDBOXED=1 (with a loud warning); otherwise refuse to start.
 */
import { AppError } from '../../common/errors';
import { kubernetesBackendFromEnv } from './kubernetes/from-env';
import { LocalBackend, type LocalBackendOptions } from './local';
import type { SandboxBackend } from './types';
import { UnsandboxedBackend } from './unsandboxed';

export interface SelectOptions {
  env?: Record<string, string | undefined>;
  local?: LocalBackendOptions;
  /** Where warnings go (default: console.error). */
  warn?: (message: string) => void;
  /** For tests: use this instead of a fresh LocalBackend. */
  candidate?: SandboxBackend;
}

/** The backend steps will run with, after checking it really isolates. */
export async function selectBackend(
  opts: SelectOptions = {},
): Promise<{ backend: SandboxBackend; detail: string }> {
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? ((m: string) => console.error(m));
  const wanted = env.PLUE_SANDBOX_BACKEND || 'local';
  if (wanted === 'kubernetes') {
    const k8s = opts.candidate ?? kubernetesBackendFromEnv(env, warn);
    const check = await k8s.check();
    if (check.ok) return { backend: k8s, detail: check.detail };
    throw new AppError(
      'unavailable',
      `the kubernetes sandbox backend is not usable: ${check.detail}`,
    );
  }
  if (wanted !== 'local') {
    throw new AppError(
      'invalid',
      `PLUE_SANDBOX_BACKEND must be local or kubernetes, not ${wanted}`,
    );
  }
  const local = opts.candidate ?? new LocalBackend(opts.local);
  const check = await local.check();
  if (check.ok) return { backend: local, detail: check.detail };
  if (env.PLUE_ALLOW_UNSANDBOXED === '1') {
    const banner = '!'.repeat(78);
    warn(
      `${banner}\nWARNING: the ${local.name} sandbox is not usable (${check.detail}).\n` +
        'PLUE_ALLOW_UNSANDBOXED=1 is set: workflow steps will run UNSANDBOXED, as this user, with\n' +
        `full access to this machine's files, network and processes. Never do this for untrusted code.\n${banner}`,
    );
    return { backend: new UnsandboxedBackend(), detail: `unsandboxed (${check.detail})` };
  }
  throw new AppError(
    'unavailable',
    `no usable sandbox: ${check.detail}. Install bubblewrap, or set PLUE_ALLOW_UNSANDBOXED=1 ` +
      'to run steps without isolation (trusted code only).',
  );
}
