/**
 * The development default of the internal secret, and when it may be used. The value is public
 * (it is in wrangler.toml), so it is accepted only while the whole stack runs in development
 * mode on loopback: the Worker, the SSH bridge and the runner controller each check their own
 * half of that rule, and in production mode they refuse to run with it. Pure and dependency-free,
 * so the Node programs import it too.
 */

export const DEV_INTERNAL_SECRET = 'dev-internal-secret-change-me';

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
  /** PLUE_ENV: only `development` permits the dev default. */
  mode: string | undefined;
  /** The secret in use. */
  secret: string | undefined;
  /** Every address this component serves on or talks to (URLs or bare hosts). */
  addresses: Array<string | undefined>;
}

/**
 * Why the internal secret must not be used, or undefined when it may: it is unset, or it is the
 * public dev default outside development mode on loopback.
 */
export function internalSecretProblem(ctx: DevSecretContext): string | undefined {
  if (!ctx.secret) return 'PLUE_INTERNAL_SECRET is not set';
  if (ctx.secret !== DEV_INTERNAL_SECRET) return undefined;
  if (ctx.mode !== 'development') {
    return 'PLUE_INTERNAL_SECRET is the public development default; set a secret of your own (PLUE_ENV is not "development")';
  }
  const i = ctx.addresses.findIndex(
    (a) => a === undefined || !(isLoopbackUrl(a) || isLoopbackHost(a)),
  );
  if (i >= 0 || ctx.addresses.length === 0) {
    const off = i >= 0 ? (ctx.addresses[i] ?? 'an unset address') : 'no address';
    return `PLUE_INTERNAL_SECRET is the public development default, accepted only when everything is on loopback (not ${off}); set a secret of your own`;
  }
  return undefined;
}
