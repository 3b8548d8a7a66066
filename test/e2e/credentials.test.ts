/**
 * Per-component credentials (issue 21), against the real Worker of the e2e stack: each internal
 * credential is refused everywhere outside its component's job, and what a job's token reads is
 * its own repository only while the job is held. Repositories are private and pushed with the
 * real git client; reads by the controller's tokens are also made with real git.
 * - the bridge's secret: no controller, runs, operator, API or page route; git only with a
 *   ticket the Worker signed at a key lookup that carried the client's signature (checked by the
 *   Worker), never with a user id of its choosing;
 * - the controller's secret: /internal/controller/* only, never as a user (X-Plue-User-Id is
 *   inert), never on git; a run's token reads that run's repository while it runs, nothing else;
 *   an event's token reads the event's repository while the claim holds;
 * - the retired shared header is refused with a message naming its successors.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { CONTROLLER, OPERATOR } from '../../scripts/clients/run-stream-client';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { BRIDGE, bridgeTicket, keyProof, SshKit } from '../helpers/ssh';
import { uniq } from './forge-client';

const base = inject('baseUrl');
const JSON_TYPE = { 'content-type': 'application/json' };

interface Lease {
  owner: string;
  epoch: string;
}

/** The refusal's text: JSON on the API and internal routes, plain text on git, HTML on pages. */
const said = (res: Response): Promise<string> => res.text();
const OUT_OF_SCOPE = 'credential is not accepted here';

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('per-component credentials', () => {
  const g = new GitSandbox();
  const kit = new SshKit();
  let alice: SignUp;
  let bob: SignUp;
  let a: string;
  const sha: Record<string, string> = {};
  const tickets: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
  const pool = uniq('cred-pool');

  const refs = (repo: string, headers: Record<string, string>, service = 'git-upload-pack') =>
    fetch(`${base}/${a}/${repo}.git/info/refs?service=${service}`, {
      headers: { ...headers, 'Git-Protocol': 'version=2' },
    });
  const call = (method: string, path: string, headers: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...JSON_TYPE, ...headers },
      ...(method === 'GET' ? {} : { body: '{}' }),
    });
  /** `git ls-remote` of a repository with these extra HTTP headers (the real client). */
  const lsRemote = (repo: string, headers: Record<string, string>) =>
    g.git(g.root, [
      ...Object.entries(headers).flatMap(([k, v]) => ['-c', `http.extraHeader=${k}: ${v}`]),
      'ls-remote',
      remoteUrl(base, a, repo),
    ]);

  beforeAll(async () => {
    [alice, bob] = await Promise.all([signUp(base), signUp(base)]);
    a = alice.user.login;
    const token = await alice.token(['repo:read', 'repo:write']);
    for (const name of ['vault', 'other']) {
      await alice.createRepo(name, { private: true });
      const dir = await g.makeRepo(name, 1);
      sha[name] = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();
      await g.ok(dir, ['push', '-q', remoteUrl(base, a, name, token), 'main']);
    }
    for (const [who, user] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      const key = await kit.keygen(who);
      const added = await fetch(`${base}/api/v1/user/keys`, {
        method: 'POST',
        headers: user.headers,
        body: JSON.stringify({ title: 'k', key: key.publicLine }),
      });
      expect(added.status).toBe(201);
      tickets[who] = await bridgeTicket(base, key);
    }
  }, 60_000);

  afterAll(() => {
    g.cleanup();
    kit.cleanup();
  });

  it('keeps the bridge’s secret off every route but key lookups, grants and git', async () => {
    const asAlice = { ...BRIDGE, 'X-Plue-Ssh-Ticket': tickets.alice };
    const outside: Array<[string, string]> = [
      ['POST', '/internal/controller/runs/claim'],
      ['POST', '/internal/controller/events/claim'],
      ['POST', '/internal/controller/sweep'],
      ['POST', '/internal/controller/tick'],
      ['POST', '/internal/runs'],
      ['POST', '/internal/runs/1/events'],
      ['GET', '/internal/runs/1/stream'],
      ['GET', `/internal/repos/${a}/vault/packs`],
      ['GET', '/api/v1/user'],
      ['GET', `/api/v1/repos/${a}/vault`],
      ['GET', `/${a}/vault`],
      ['GET', '/'],
    ];
    for (const [method, path] of outside) {
      const res = await call(method, path, asAlice);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await said(res), path).toContain(OUT_OF_SCOPE);
    }
    // Its own job still works: Alice's ticket reads her private repository.
    expect((await refs('vault', asAlice)).status).toBe(200);
  });

  it('signs a ticket only for a key whose holder signed the authentication request', async () => {
    const [key, other] = await Promise.all([kit.keygen('prover'), kit.keygen('other')]);
    const added = await fetch(`${base}/api/v1/user/keys`, {
      method: 'POST',
      headers: alice.headers,
      body: JSON.stringify({ title: 'p', key: key.publicLine }),
    });
    expect(added.status).toBe(201);
    const line = key.publicLine.split(' ').slice(0, 2).join(' ');
    const lookup = (proof?: object) =>
      fetch(`${base}/internal/ssh/lookup`, {
        method: 'POST',
        headers: { ...BRIDGE, ...JSON_TYPE },
        body: JSON.stringify({ key: line, ...(proof ? { proof } : {}) }),
      });
    // Knowing the public key is enough to learn its owner, never to get a ticket.
    const bare = await lookup();
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ user: { id: alice.user.id, login: a } });
    const good = keyProof(key);
    const refused: Array<[string, object]> = [
      ['signed by another key', keyProof(key, other)],
      ['a signature of random bytes', { ...good, signature: randomBytes(64).toString('base64') }],
      ['the request of another key', { ...keyProof(other), signature: good.signature }],
      [
        'a truncated request',
        { ...good, blob: Buffer.from(good.blob, 'base64').subarray(0, 40).toString('base64') },
      ],
      ['not base64', { ...good, signature: '!!!' }],
    ];
    for (const [what, proof] of refused) {
      const res = await lookup(proof);
      expect(res.status, what).toBe(401);
      expect(await said(res), what).toContain('The signature does not prove the key');
    }
    const proved = await lookup(good);
    expect(proved.status).toBe(200);
    const { ticket } = (await proved.json()) as { ticket: string };
    expect((await refs('vault', { ...BRIDGE, 'X-Plue-Ssh-Ticket': ticket })).status).toBe(200);
  });

  it('lets the bridge act only for the user its key lookup named', async () => {
    // No ticket, or a user id of its choosing: nobody.
    const ids: Array<Record<string, string>> = [
      {},
      { 'X-Plue-User-Id': String(alice.user.id), 'X-Plue-User-Login': a },
    ];
    for (const h of ids) {
      const res = await refs('vault', { ...BRIDGE, ...h });
      expect(res.status).toBe(401);
      expect(await said(res)).toContain('SSH session ticket is missing, forged or expired');
    }
    // Bob's genuine ticket is Bob: Alice's private repository does not exist for him.
    expect((await refs('vault', { ...BRIDGE, 'X-Plue-Ssh-Ticket': tickets.bob })).status).toBe(404);
    // Bob's ticket rewritten to name Alice fails its signature; so does a ticket signed by
    // anyone holding only the bridge's secret.
    const [payload, mac] = tickets.bob.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object;
    const renamed = Buffer.from(JSON.stringify({ ...body, u: String(alice.user.id), l: a }));
    for (const forged of [
      `${renamed.toString('base64url')}.${mac}`,
      `${payload}.${'A'.repeat(43)}`,
    ]) {
      const res = await refs('vault', { ...BRIDGE, 'X-Plue-Ssh-Ticket': forged });
      expect(res.status).toBe(401);
    }
    // A ticket without the bridge's secret is just a header: anonymous.
    expect((await refs('vault', { 'X-Plue-Ssh-Ticket': tickets.alice })).status).toBe(401);
    // The same with the real git client.
    const git = await lsRemote('vault', { ...BRIDGE, 'X-Plue-User-Id': String(alice.user.id) });
    expect(git.code).not.toBe(0);
    expect(git.stdout).not.toContain(sha.vault);
  });

  it('never lets the controller’s secret act as a user or read a repository', async () => {
    const asAlice = { ...CONTROLLER, 'X-Plue-User-Id': String(alice.user.id) };
    const outside: Array<[string, string]> = [
      ['GET', '/api/v1/user'],
      ['GET', `/api/v1/repos/${a}/vault`],
      ['GET', `/${a}/vault`],
      ['GET', `/${a}/vault.git/info/refs?service=git-upload-pack`],
      ['POST', `/${a}/vault.git/git-upload-pack`],
      ['POST', '/internal/ssh/lookup'],
      ['POST', '/internal/ssh/grant'],
      ['POST', '/internal/runs'],
      ['POST', '/internal/runs/1/events'],
      ['POST', '/internal/runs/1/restart'],
      ['GET', `/internal/repos/${a}/vault/packs`],
    ];
    for (const [method, path] of outside) {
      const res = await call(method, path, asAlice);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await said(res), path).toContain(OUT_OF_SCOPE);
    }
    const git = await lsRemote('vault', asAlice);
    expect(git.code).not.toBe(0);
    expect(git.stdout).not.toContain(sha.vault);
    // Its secret is no job token either.
    const secret = CONTROLLER['X-Plue-Controller-Secret'] ?? '';
    for (const user of ['run-1', 'event-1']) {
      const res = await refs('vault', basic(user, secret));
      expect(res.status).toBe(401);
      expect(await said(res)).toMatch(/token is unknown, or its (run|event) is not held/);
    }
    // Operators' credential is no way round either: no git, no API, no claims.
    for (const [method, path] of [
      ['GET', `/${a}/vault.git/info/refs?service=git-upload-pack`],
      ['GET', '/api/v1/user'],
      ['POST', '/internal/controller/runs/claim'],
    ] as const) {
      expect((await call(method, path, OPERATOR)).status, path).toBe(403);
    }
  });

  it('reads a run’s repository with its token only while the run is held, and no other', async () => {
    const created = await fetch(`${base}/internal/runs`, {
      method: 'POST',
      headers: { ...OPERATOR, ...JSON_TYPE },
      body: JSON.stringify({
        owner: a,
        repo: 'vault',
        workflow: 'ci',
        event: 'push',
        head_sha: sha.vault,
        plan: { steps: [{ id: 's', name: 's', type: 'run' }] },
      }),
    });
    expect(created.status).toBe(201);
    const queued = (await created.json()) as { run: { id: number }; token: string };
    const id = queued.run.id;
    // Queued, nobody holds it: its creation token reads nothing.
    expect((await refs('vault', basic(`run-${id}`, queued.token))).status).toBe(401);
    const claim = await fetch(`${base}/internal/controller/runs/claim`, {
      method: 'POST',
      headers: { ...CONTROLLER, ...JSON_TYPE },
      body: JSON.stringify({ owner: pool, repo_owner: a }),
    });
    expect(claim.status).toBe(200);
    const held = (await claim.json()) as { run: { id: number }; token: string; lease: Lease };
    expect(held.run.id).toBe(id);
    const mine = basic(`run-${id}`, held.token);
    // The real git client fetches the run's commit with it.
    const ls = await lsRemote('vault', mine);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain(sha.vault);
    const ws = await g.makeRepo(uniq('ws'), 0);
    const header = `http.extraHeader=Authorization: ${mine.Authorization}`;
    const fetched = await g.git(ws, [
      '-c',
      header,
      'fetch',
      '-q',
      '--depth',
      '1',
      remoteUrl(base, a, 'vault'),
      sha.vault ?? '',
    ]);
    expect(fetched.code, fetched.stderr).toBe(0);
    // Run A's token on repository B, for a push, under another run's id, on the API: refused.
    expect((await refs('other', mine)).status).toBe(404);
    expect((await lsRemote('other', mine)).stdout).not.toContain(sha.other);
    expect((await refs('vault', mine, 'git-receive-pack')).status).toBe(403);
    expect((await refs('vault', basic(`run-${id + 1000000}`, held.token))).status).toBe(401);
    const api = await fetch(`${base}/api/v1/repos/${a}/vault`, {
      headers: { Authorization: `Bearer ${held.token}` },
    });
    expect(api.status).toBe(401);
    // Completed, the run holds nothing any more.
    const done = await fetch(`${base}/internal/controller/runs/${id}/complete`, {
      method: 'POST',
      headers: { ...CONTROLLER, ...JSON_TYPE },
      body: JSON.stringify({
        lease_owner: held.lease.owner,
        lease_epoch: held.lease.epoch,
        conclusion: 'success',
      }),
    });
    expect(done.status).toBe(204);
    expect((await refs('vault', mine)).status).toBe(401);
  });

  it('reads an event’s repository with the claim’s token while the claim holds', async () => {
    const claim = await fetch(`${base}/internal/controller/events/claim`, {
      method: 'POST',
      headers: { ...CONTROLLER, ...JSON_TYPE },
      body: JSON.stringify({ owner: pool, repo_owner: a }),
    });
    expect(claim.status).toBe(200);
    const held = (await claim.json()) as {
      event: { id: number; repo: { full_name: string } };
      token: string;
      lease: Lease;
    };
    const mine = held.event.repo.full_name.split('/')[1] ?? '';
    const theirs = mine === 'vault' ? 'other' : 'vault';
    const cred = basic(`event-${held.event.id}`, held.token);
    const ls = await lsRemote(mine, cred);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain(sha[mine]);
    expect((await refs(theirs, cred)).status).toBe(404);
    expect((await refs(mine, cred, 'git-receive-pack')).status).toBe(403);
    // Another event's id with this token fails the signature.
    expect((await refs(mine, basic(`event-${held.event.id + 1}`, held.token))).status).toBe(401);
    const failed = await fetch(`${base}/internal/controller/events/${held.event.id}/fail`, {
      method: 'POST',
      headers: { ...CONTROLLER, ...JSON_TYPE },
      body: JSON.stringify({
        lease_owner: held.lease.owner,
        lease_epoch: held.lease.epoch,
        error: 'test',
      }),
    });
    expect(failed.status).toBe(204);
    expect((await refs(mine, cred)).status).toBe(401);
  });

  it('refuses the retired shared secret everywhere, naming its successors', async () => {
    for (const [method, path] of [
      ['POST', '/internal/controller/sweep'],
      ['POST', '/internal/ssh/lookup'],
      ['GET', `/${a}/vault.git/info/refs?service=git-upload-pack`],
      ['GET', '/api/v1/user'],
    ] as const) {
      const res = await call(method, path, {
        'X-Plue-Internal-Secret': 'dev-internal-secret-change-me',
        'X-Plue-User-Id': String(alice.user.id),
      });
      expect(res.status, path).toBe(401);
      const text = await said(res);
      expect(text).toContain('X-Plue-Internal-Secret is retired');
      expect(text).toContain('X-Plue-Controller-Secret');
    }
  });
});
