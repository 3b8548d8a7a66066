/**
 * A scratch database on a PostgreSQL server, for tests and benchmarks that must not touch the
 * server's own databases: created with a unique name, dropped (with its connections) after.
 */
import ws from 'ws';
import { createDb } from '../../db/client';
import { startLocalDatabase } from '../../db/local-server/index';

/** Creates a scratch database on the server at `serverUrl` and returns its URL and a dropper. */
export async function scratchDatabase(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = await startLocalDatabase({ databaseUrl: serverUrl });
  const db = createDb({
    databaseUrl: serverUrl,
    wsProxy: admin.wsProxy,
    webSocketConstructor: ws,
  });
  const name = `plue_t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await db.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await db.end();
      await admin.close();
    },
  };
}
