/**
 * Run viewers' authorisations lapse (RUN_VIEWER_GRANT_MS, 2 s on a dedicated stack here): an SSE
 * stream ends and a WebSocket closes with 4001, and the client reconnects, authorised afresh.
 * So access lost without an announcement — a revoked token — cannot keep a stream open for
 * long. Everything waits on observable events; the timeouts only bound a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startStack, type Stack } from '../../scripts/stack';
import { signUp } from '../../scripts/clients/auth';
import { openSseViewer, openWsViewer } from '../helpers/live-viewers';
import { makeRun, outputs, post } from '../../scripts/clients/run-stream-client';

const GRANT_MS = 2000;
/** A lapsed grant ends an SSE stream at the next heartbeat (every 500 ms here). */
const BOUND_MS = GRANT_MS + 5000;

let stack: Stack;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plue-grants-'));
  stack = await startStack({
    dataDir: dir,
    port: await freePort(),
    extraVars: { RUN_VIEWER_GRANT_MS: String(GRANT_MS), RUN_HEARTBEAT_MS: '500' },
  });
}, 150_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const said = (text: string) => (r: { event: string; data?: unknown }) =>
  r.event === 'step_output' && r.data === text;

describe('run viewer grants', () => {
  it('ends viewers whose authorisation lapsed; they reconnect and resume', async () => {
    const base = stack.url;
    const run = await makeRun(base);
    await post(base, run, [{ event: 'run_started' }, { event: 'step_started', step_id: 'build' }]);
    // The WebSocket first, so its grant lapses no later than the SSE viewer's.
    const ws = await openWsViewer(`${run.api}/stream/ws`);
    const sse = await openSseViewer(`${run.api}/stream`);
    await post(base, run, outputs('build', 1, ['one\n']));
    await ws.waitFor(said('one\n'));
    await sse.waitFor(said('one\n'));

    // The run goes on, but the SSE stream ends once its grant lapsed.
    await sse.waitEnd(BOUND_MS);
    // The next records close the WebSocket (4001) instead of reaching it.
    await post(base, run, outputs('build', 2, ['two\n']));
    expect((await ws.waitEnd(BOUND_MS)).code).toBe(4001);
    expect(ws.records.some(said('two\n'))).toBe(false);

    // Reconnecting resumes where the viewer was.
    const last = sse.records.at(-1)?.id ?? 0;
    const again = await openSseViewer(`${run.api}/stream`, { 'Last-Event-ID': String(last) });
    expect(again.status).toBe(200);
    await again.waitFor(said('two\n'));
    expect(again.records[0]?.id).toBe(last + 1);
    again.close();
  });

  it('ends a stream opened with a token soon after the token is revoked', async () => {
    const base = stack.url;
    const owner = await signUp(base);
    const run = await makeRun(base, { private: true, owner });
    const created = await fetch(`${base}/api/v1/user/tokens`, {
      method: 'POST',
      headers: owner.headers,
      body: JSON.stringify({ name: 'viewer', scopes: ['repo:read'] }),
    });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: number | string; token: string };
    const auth = { authorization: `Bearer ${token}` };
    await post(base, run, [{ event: 'run_started' }, { event: 'step_started', step_id: 'build' }]);
    const sse = await openSseViewer(`${run.api}/stream`, auth);
    expect(sse.status).toBe(200);
    await post(base, run, outputs('build', 1, ['one\n']));
    await sse.waitFor(said('one\n'));

    const revoked = await fetch(`${base}/api/v1/user/tokens/${id}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    expect(revoked.status).toBe(204);
    await sse.waitEnd(BOUND_MS);
    const again = await fetch(`${run.api}/stream`, { headers: auth });
    expect(again.status).toBe(401);
    await again.body?.cancel();
  });
});
