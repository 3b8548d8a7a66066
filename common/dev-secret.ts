/**
 * The per-component credentials of the internal API and their development defaults, and when a
 * default may be used. Each component holds its own secret, sent in its own header:
 * - the SSH bridge: `PLUE_BRIDGE_SECRET` in `X-Plue-Bridge-Secret` (key lookups and git for the
 *   user it has just authenticated);
 * - the runner controller: `PLUE_CONTROLLER_SECRET` in `X-Plue-Controller-Secret` (claims,
 *   heartbeats, completions, the tick; everything for one run goes through that run's token);
 * - operators and tests: `PLUE_OPERATOR_SECRET` in `X-Plue-Operator-Secret` (run creation, the
 *   pack listing, a run stream's state); unset in production, those endpoints are closed.
 * The development defaults are public (they are in wrangler.toml), so one is accepted only while
 * the whole stack runs in development mode on loopback: the Worker, the SSH bridge and the runner
 * controller each check their own half of that rule, and in production mode they refuse to run
 * with it. The old shared `X-Plue-Internal-Secret` is refused everywhere. Pure and
 * dependency-free, so the Node programs import it too.
 */

export type Component = 'bridge' | 'controller' | 'operator';

export interface ComponentCredential {
  /** The environment variable holding the secret (the Worker's and the component's). */
  variable: string;
  /** The request header carrying it. */
  header: string;
  /** The public development default. */
  devDefault: string;
}

export const COMPONENT_CREDENTIALS: Record<Component, ComponentCredential> = {
  bridge: {
    variable: 'PLUE_BRIDGE_SECRET',
    header: 'X-Plue-Bridge-Secret',
    devDefault: 'dev-bridge-secret-change-me',
  },
  controller: {
    variable: 'PLUE_CONTROLLER_SECRET',
    header: 'X-Plue-Controller-Secret',
    devDefault: 'dev-controller-secret-change-me',
  },
  operator: {
    variable: 'PLUE_OPERATOR_SECRET',
    header: 'X-Plue-Operator-Secret',
    devDefault: 'dev-operator-secret-change-me',
  },
};

/** The retired header of the one shared secret; refused with a message naming its successors. */
export const RETIRED_INTERNAL_SECRET_HEADER = 'X-Plue-Internal-Secret';

/** Whether `hostname` (a URL's hostname or a listen address) is a loopback name or address. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Whether `url` parses and names a loopback host. */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

export interface DevSecretContext {
  /** Whose secret it is. */
  component: Component;
  /** PLUE_ENV: only `development` permits the dev default. */
  mode: string | undefined;
  /** The secret in use. */
  secret: string | undefined;
  /** Every address this component serves on or talks to (URLs or bare hosts). */
  addresses: Array<string | undefined>;
}

/**
 * Why the component's secret must not be used, or undefined when it may: it is unset, or it is
 * the public dev default outside development mode on loopback.
 */
export function componentSecretProblem(ctx: DevSecretContext): string | undefined {
  const { variable, devDefault } = COMPONENT_CREDENTIALS[ctx.component];
  if (!ctx.secret) return `${variable} is not set`;
  if (ctx.secret !== devDefault) return undefined;
  if (ctx.mode !== 'development') {
    return `${variable} is the public development default; set a secret of your own (PLUE_ENV is not "development")`;
  }
  const i = ctx.addresses.findIndex(
    (a) => a === undefined || !(isLoopbackUrl(a) || isLoopbackHost(a)),
  );
  if (i >= 0 || ctx.addresses.length === 0) {
    const off = i >= 0 ? (ctx.addresses[i] ?? 'an unset address') : 'no address';
    return `${variable} is the public development default, accepted only when everything is on loopback (not ${off}); set a secret of your own`;
  }
  return undefined;
}
