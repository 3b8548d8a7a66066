/**
 * How `npm run migrate` reaches DATABASE_URL. A Neon database (host under neon.tech) is reached
 * the way the deployed Worker reaches it: the Neon driver straight to Neon's own WebSocket
 * endpoint over TLS. Anything else (a local or self-hosted PostgreSQL) goes through the loopback
 * WebSocket → TCP proxy of db/local-server, which speaks PostgreSQL without TLS and so cannot
 * talk to Neon, which requires TLS.
 */

/** Whether DATABASE_URL names a Neon endpoint, to be reached over Neon's WebSocket proxy. */
export function isNeonDatabase(databaseUrl: string): boolean {
  try {
    const host = new URL(databaseUrl).hostname.toLowerCase();
    return host === 'neon.tech' || host.endsWith('.neon.tech');
  } catch {
    return false;
  }
}
