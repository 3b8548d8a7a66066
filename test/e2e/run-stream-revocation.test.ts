/**
 * Issue #16 item 2: revoking access reaches open run streams. A removed collaborator's SSE and
 * WebSocket viewers of a private run, and anonymous viewers of a public run made private, are
 * ended within a few seconds, while the viewers who may still read keep streaming. Everything
 * waits on observable events; the timeouts only bound a failure.
 */
import { describe, expect, inject, it } from 'vitest';
import { signUp } from '../../scripts/clients/auth';
import { openSseViewer, openWsViewer, type LiveViewer } from '../helpers/live-viewers';
import { makeRun, outputs, post, type TestRun } from '../../scripts/clients/run-stream-client';

const base = inject('baseUrl');
/** How soon a revocation must reach an open stream. */
const REVOKE_MS = 5_000;

const said = (text: string) => (r: { event: string; data?: unknown }) =>
  r.event === 'step_output' && r.data === text;

async function say(run: TestRun, seq: number, text: string): Promise<void> {
  const res = await post(base, run, outputs('build', seq, [text]));
  expect(res.status).toBe(200);
}

async function api(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.body?.cancel();
  return res.status;
}

/** Ends stay ended: the viewer gets nothing after its end even while the run goes on. */
function assertNothingAfterEnd(v: LiveViewer, text: string) {
  expect(v.records.some(said(text))).toBe(false);
}

describe('revoking access ends open run streams', () => {
  it('ends a removed collaborator’s SSE and WebSocket viewers of a private run', async () => {
    const run = await makeRun(base, { private: true });
    const repoPath = `/repos/${run.owner.user.login}/${run.repo}`;
    const bob = await signUp(base);
    expect(
      await api('PUT', `${repoPath}/collaborators/${bob.user.login}`, run.owner.headers, {
        permission: 'read',
      }),
    ).toBe(204);
    await post(base, run, [{ event: 'run_started' }, { event: 'step_started', step_id: 'build' }]);

    const bobSse = await openSseViewer(`${run.api}/stream`, { cookie: bob.cookie });
    const bobWs = await openWsViewer(`${run.api}/stream/ws`, { cookie: bob.cookie });
    const ownerSse = await openSseViewer(`${run.api}/stream`, { cookie: run.owner.cookie });
    expect([bobSse.status, bobWs.status, ownerSse.status]).toEqual([200, 101, 200]);
    await say(run, 1, 'before\n');
    for (const v of [bobSse, bobWs, ownerSse]) await v.waitFor(said('before\n'));

    expect(
      await api('DELETE', `${repoPath}/collaborators/${bob.user.login}`, run.owner.headers),
    ).toBe(204);
    await bobSse.waitEnd(REVOKE_MS);
    const wsEnd = await bobWs.waitEnd(REVOKE_MS);
    expect(wsEnd.code).toBe(1008);

    // The run goes on: the owner still streams it, Bob sees none of it and cannot come back.
    await say(run, 2, 'after\n');
    await ownerSse.waitFor(said('after\n'));
    assertNothingAfterEnd(bobSse, 'after\n');
    assertNothingAfterEnd(bobWs, 'after\n');
    const again = await openSseViewer(`${run.api}/stream`, { cookie: bob.cookie });
    expect(again.status).toBe(404);
    const againWs = await openWsViewer(`${run.api}/stream/ws`, { cookie: bob.cookie });
    expect(againWs.status).toBe(404);
    const poll = await fetch(`${run.api}/events`, { headers: { cookie: bob.cookie } });
    expect(poll.status).toBe(404);
    await poll.body?.cancel();
    ownerSse.close();
  });

  it('ends anonymous viewers when a public repository with a live run is made private', async () => {
    const run = await makeRun(base, { private: false });
    const repoPath = `/repos/${run.owner.user.login}/${run.repo}`;
    const stranger = await signUp(base);
    await post(base, run, [{ event: 'run_started' }, { event: 'step_started', step_id: 'build' }]);

    const anonSse = await openSseViewer(`${run.api}/stream`);
    const anonWs = await openWsViewer(`${run.api}/stream/ws`);
    const strangerSse = await openSseViewer(`${run.api}/stream`, { cookie: stranger.cookie });
    const ownerSse = await openSseViewer(`${run.api}/stream`, { cookie: run.owner.cookie });
    const ownerWs = await openWsViewer(`${run.api}/stream/ws`, { cookie: run.owner.cookie });
    const viewers = [anonSse, anonWs, strangerSse, ownerSse, ownerWs];
    expect(viewers.map((v) => v.status)).toEqual([200, 101, 200, 200, 101]);
    await say(run, 1, 'public\n');
    for (const v of viewers) await v.waitFor(said('public\n'));

    expect(await api('PATCH', repoPath, run.owner.headers, { private: true })).toBe(200);
    await Promise.all([anonSse, anonWs, strangerSse].map((v) => v.waitEnd(REVOKE_MS)));
    expect((await anonWs.ended).code).toBe(1008);

    await say(run, 2, 'private\n');
    await ownerSse.waitFor(said('private\n'));
    await ownerWs.waitFor(said('private\n'));
    for (const v of [anonSse, anonWs, strangerSse]) assertNothingAfterEnd(v, 'private\n');
    expect((await openSseViewer(`${run.api}/stream`)).status).toBe(404);
    expect((await openWsViewer(`${run.api}/stream/ws`)).status).toBe(404);
    ownerSse.close();
    ownerWs.close();
  });

  it('ends every viewer when the repository is deleted', async () => {
    const run = await makeRun(base, { private: false });
    const repoPath = `/repos/${run.owner.user.login}/${run.repo}`;
    await post(base, run, [{ event: 'run_started' }, { event: 'step_started', step_id: 'build' }]);
    const sse = await openSseViewer(`${run.api}/stream`, { cookie: run.owner.cookie });
    const ws = await openWsViewer(`${run.api}/stream/ws`);
    await say(run, 1, 'alive\n');
    for (const v of [sse, ws]) await v.waitFor(said('alive\n'));
    expect(await api('DELETE', repoPath, run.owner.headers)).toBe(204);
    await Promise.all([sse.waitEnd(REVOKE_MS), ws.waitEnd(REVOKE_MS)]);
  });
});
