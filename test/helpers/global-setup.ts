/**
 * Starts one Plue stack (database + wrangler dev) for the end-to-end tests and hands its URL to
 * them through `inject('baseUrl')`. Uses a scratch database on the real server when DATABASE_URL
 * is set, embedded PGlite otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startStack, type Stack } from '../../scripts/stack';
import { scratchDatabase } from '../../scripts/clients/scratch-database';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    databaseKind: 'embedded' | 'postgres';
    /** `host:port` of each local database endpoint the stack listens on (WebSocket, TCP). */
    databaseEndpoints: string[];
  }
}

let stack: Stack | undefined;
let drop: (() => Promise<void>) | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'plue-e2e-'));
  let databaseUrl: string | undefined;
  if (process.env.DATABASE_URL) {
    const scratch = await scratchDatabase(process.env.DATABASE_URL);
    databaseUrl = scratch.url;
    drop = scratch.drop;
  }
  stack = await startStack({ dataDir: dir, port: await freePort(), databaseUrl });
  project.provide('baseUrl', stack.url);
  project.provide('databaseKind', stack.db.kind);
  const endpoints = [stack.db.wsProxy.replace(/\/.*$/, '')];
  if (stack.db.tcpUrl) endpoints.push(new URL(stack.db.tcpUrl).host);
  if (databaseUrl) {
    const server = new URL(databaseUrl);
    endpoints.push(`${server.hostname || '127.0.0.1'}:${server.port || 5432}`);
  }
  project.provide('databaseEndpoints', endpoints);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
  await drop?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
