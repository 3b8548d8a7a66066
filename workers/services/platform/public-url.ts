/**
 * This deployment's public address, from configuration (`PLUE_PUBLIC_URL`) and never from the
 * request: the Host and X-Forwarded-* headers are the client's to choose, so nothing built from
 * them may decide who a sign-in is for, or enter a link that a shared cache keeps for everyone.
 * Sign-in's expected SIWE domain and URI, absolute URLs in API answers, clone URLs on pages and
 * the keys of cached pages all come from here.
 */
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';

export interface PublicUrl {
  /** `scheme://host[:port]`, e.g. `https://plue.dev` or `http://127.0.0.1:8787`. */
  origin: string;
  /** `host[:port]`: what an EIP-4361 message must name as its domain. */
  host: string;
  hostname: string;
  protocol: 'http:' | 'https:';
}

/** Parses a configured public URL; undefined unless it is an http(s) origin (a path is ignored). */
export function parsePublicUrl(value: string | undefined): PublicUrl | undefined {
  if (!value) return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (u.username !== '' || u.password !== '') return undefined;
  return { origin: u.origin, host: u.host, hostname: u.hostname, protocol: u.protocol };
}

/** The configured public URL; a clear `unavailable` error when it is missing or malformed. */
export function publicUrl(env: Pick<Env, 'PLUE_PUBLIC_URL'>): PublicUrl {
  const p = parsePublicUrl(env.PLUE_PUBLIC_URL);
  if (!p) {
    throw AppError.unavailable(
      'This Plue is not configured: PLUE_PUBLIC_URL must be its public http(s) address',
    );
  }
  return p;
}

/** The configured public origin (`scheme://host[:port]`). */
export function publicOrigin(env: Pick<Env, 'PLUE_PUBLIC_URL'>): string {
  return publicUrl(env).origin;
}

/** The request's path and query on the public origin (Host and X-Forwarded-* are ignored). */
export function publicRequestUrl(env: Pick<Env, 'PLUE_PUBLIC_URL'>, requestUrl: string): URL {
  const u = new URL(requestUrl);
  return new URL(`${u.pathname}${u.search}`, publicOrigin(env));
}
