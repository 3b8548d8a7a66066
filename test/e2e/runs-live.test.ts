/**
 * The live feed of a repository's runs (issue #21; GET /api/v1/repos/:owner/:repo/actions/live,
 * durable-objects/runs-feed/): a viewer subscribes once and hears each run as it is queued,
 * starts and completes, with no polling of the runs list. Authorised like the runs list; each
 * subscription ends after RUNS_FEED_LIFETIME_MS (shortened on this test's own stack), so access
 * is checked again on reconnect. Everything waits on observable events; timeouts only bound a
 * failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startStack, type Stack } from '../../scripts/stack';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import type { Controller } from '../../runner-controller/controller/controller';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { openSseViewer, type LiveRecord } from '../helpers/live-viewers';
import { testController } from './workflows-client';

const LIFETIME_MS = 20_000;

const workflow = `from plue import workflow, push

@workflow(triggers=[push()])
def ci(ctx):
    ctx.run(name="say", cmd="echo hi")
`;

let stack: Stack;
let dir: string;
let base: string;
let alice: SignUp;
let token: string;
let controller: Controller | undefined;
const g = new GitSandbox();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plue-runs-live-'));
  stack = await startStack({
    dataDir: dir,
    port: await freePort(),
    extraVars: { RUNS_FEED_LIFETIME_MS: String(LIFETIME_MS), RUNS_FEED_HEARTBEAT_MS: '500' },
  });
  base = stack.url;
  alice = await signUp(base);
  token = await alice.token(['repo:read', 'repo:write', 'admin']);
}, 150_000);

afterAll(async () => {
  await controller?.stop({ abandon: true });
  g.cleanup();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const live = (owner: string, repo: string) => `${base}/api/v1/repos/${owner}/${repo}/actions/live`;

/** Creates `name` for alice and pushes one commit holding a workflow to main; returns its id. */
async function push(name: string): Promise<string> {
  const repoDir = await g.makeRepo(name, 0);
  const sha = await g.commitFile(repoDir, '.plue/workflows/ci.py', workflow, 'add ci');
  await g.ok(repoDir, ['push', '-q', remoteUrl(base, alice.user.login, name, token), 'main']);
  return sha;
}

const ofRun = (id: number) => (r: LiveRecord) => r.id === id;

describe('runs live feed', () => {
  it('tells a subscriber of a pushed run: queued, in_progress, completed, in order', async () => {
    await alice.createRepo('feed');
    const auth = { authorization: `Bearer ${token}` };
    const feed = await openSseViewer(live(alice.user.login, 'feed'), auth);
    expect(feed.status).toBe(200);
    expect(feed.records).toEqual([]);
    controller = await testController(base, alice);
    const sha = await push('feed');
    const queued = await feed.waitFor((r) => r.head_sha === sha, 30_000);
    const done = await feed.waitFor((r) => r.id === queued.id && r.status === 'completed', 60_000);
    const seen = feed.records.filter(ofRun(queued.id)).map((r) => r.status);
    expect(seen).toEqual(['queued', 'in_progress', 'completed']);
    expect(done).toMatchObject({
      name: 'ci',
      run_number: 1,
      event: 'push',
      conclusion: 'success',
      head_sha: sha,
      head_branch: 'main',
      repository: { full_name: `${alice.user.login}/feed` },
    });
    // What the feed said is what the runs list says.
    const list = await fetch(`${base}/api/v1/repos/${alice.user.login}/feed/actions/runs`, {
      headers: auth,
    });
    const runs = (await list.json()) as { workflow_runs: { id: number; status: string }[] };
    expect(runs.workflow_runs).toEqual([
      expect.objectContaining({ id: queued.id, status: 'completed', url: done.url }),
    ]);
    feed.close();
    await controller.stop();
    controller = undefined;
  }, 120_000);

  it('authorises like the runs list: a private repository is the owner’s only, bad tokens 401', async () => {
    await alice.createRepo('hidden', { private: true });
    const url = live(alice.user.login, 'hidden');
    const runs = `${base}/api/v1/repos/${alice.user.login}/hidden/actions/runs`;
    const bob = await signUp(base);
    const bobToken = await bob.token(['repo:read']);
    const cases: [string, Record<string, string>, number][] = [
      ['anonymous', {}, 404],
      ['another user (session)', { cookie: bob.cookie }, 404],
      ['another user (token)', { authorization: `Bearer ${bobToken}` }, 404],
      ['the owner (session)', { cookie: alice.cookie }, 200],
      ['the owner (token)', { authorization: `Bearer ${token}` }, 200],
    ];
    for (const [who, headers, status] of cases) {
      const sub = await openSseViewer(url, headers);
      expect([who, sub.status]).toEqual([who, status]);
      const list = await fetch(runs, { headers });
      await list.body?.cancel();
      expect([who, list.status]).toEqual([who, status]);
      sub.close();
    }
    // Every token holds repo:read at least (tokens.ts), so the refused tokens are a revoked one
    // and one that never existed: refused exactly as the runs list refuses them.
    const created = await fetch(`${base}/api/v1/user/tokens`, {
      method: 'POST',
      headers: alice.headers,
      body: JSON.stringify({ name: 'revoked', scopes: ['repo:read'] }),
    });
    const { id, token: revoked } = (await created.json()) as { id: number; token: string };
    const gone = await fetch(`${base}/api/v1/user/tokens/${id}`, {
      method: 'DELETE',
      headers: alice.headers,
    });
    expect(gone.status).toBe(204);
    for (const bad of [revoked, 'plue_pat_nonsense']) {
      const headers = { authorization: `Bearer ${bad}` };
      const list = await fetch(runs, { headers });
      await list.body?.cancel();
      expect(list.status).toBe(401);
      const sub = await openSseViewer(url, headers);
      expect(sub.status).toBe(list.status);
      sub.close();
    }
  });

  it('ends a removed collaborator’s subscription at once; the owner’s goes on', async () => {
    await alice.createRepo('shared', { private: true });
    const bob = await signUp(base);
    const collaborator = `${base}/api/v1/repos/${alice.user.login}/shared/collaborators/${bob.user.login}`;
    const added = await fetch(collaborator, {
      method: 'PUT',
      headers: alice.headers,
      body: JSON.stringify({ permission: 'read' }),
    });
    expect(added.status).toBe(204);
    const url = live(alice.user.login, 'shared');
    const bobs = await openSseViewer(url, { cookie: bob.cookie });
    const owners = await openSseViewer(url, { cookie: alice.cookie });
    expect([bobs.status, owners.status]).toEqual([200, 200]);
    const removed = await fetch(collaborator, { method: 'DELETE', headers: alice.headers });
    expect(removed.status).toBe(204);
    // Well before the (shortened) lifetime: the removal itself ended it.
    await bobs.waitEnd(5_000);
    const again = await openSseViewer(url, { cookie: bob.cookie });
    expect(again.status).toBe(404);
    again.close();
    const stillOpen = await Promise.race([
      owners.ended.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), 1000)),
    ]);
    expect(stillOpen).toBe(true);
    owners.close();
  });

  it(
    'ends a subscription at its lifetime, with keep-alives until then',
    async () => {
      await alice.createRepo('quiet');
      const t0 = Date.now();
      const res = await fetch(live(alice.user.login, 'quiet'), {
        headers: { cookie: alice.cookie },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const text = await res.text(); // resolves only when the server ends the stream
      const ms = Date.now() - t0;
      console.log(`runs feed subscription ended after ${ms} ms (lifetime ${LIFETIME_MS} ms)`);
      expect(ms).toBeGreaterThanOrEqual(LIFETIME_MS - 1000);
      expect(text).toMatch(/^retry: 1000\n: connected\n\n/);
      expect(text).toContain(': keep-alive\n\n');
    },
    LIFETIME_MS + 30_000,
  );
});
