/**
 * Bad request input is refused with the `invalid` kind and a message naming the field: query
 * strings (the run events' `limit`, pagination), API bodies, the UI's `?page=` and forms (a
 * readable page) and internal-API bodies (the controller's and the SSH bridge's).
 */
import { BRIDGE, bridgeTicket, SshKit } from '../helpers/ssh';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import {
  CONTROLLER,
  OPERATOR,
  makeRun,
  outputs,
  post,
  type TestRun,
} from '../../scripts/clients/run-stream-client';

const base = inject('baseUrl');
const JSON_TYPE = { 'content-type': 'application/json' };

async function refusal(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error?: { code?: string; message?: string } };
  return { status: res.status, code: body.error?.code ?? '', message: body.error?.message ?? '' };
}

describe('query strings', () => {
  let run: TestRun;
  beforeAll(async () => {
    run = await makeRun(base, { steps: ['s'] });
    await post(base, run, [{ event: 'run_started' }, { event: 'step_started', step_id: 's' }]);
    await post(base, run, outputs('s', 1, ['a\n', 'b\n', 'c\n']));
  });

  it('keeps the run events limit: -1 is refused instead of lifting it', async () => {
    const all = (await (await fetch(`${run.api}/events`)).json()) as { records: unknown[] };
    expect(all.records.length).toBe(5);
    const two = (await (await fetch(`${run.api}/events?limit=2`)).json()) as {
      records: unknown[];
    };
    expect(two.records.length).toBe(2);
    for (const bad of ['-1', '0', '1.5', 'abc', '']) {
      const r = await refusal(await fetch(`${run.api}/events?limit=${bad}`));
      expect(r, bad).toMatchObject({ status: 400, code: 'limit_invalid' });
      expect(r.message, bad).toMatch(/^limit: /);
    }
    const after = await refusal(await fetch(`${run.api}/events?after=-3`));
    expect(after).toMatchObject({ status: 400, code: 'after_invalid' });
  });

  it('refuses pages that are not whole numbers, on the API and in the UI', async () => {
    const api = await refusal(
      await fetch(`${base}/api/v1/users/${run.owner.user.login}/repos?per_page=-5`),
    );
    expect(api).toMatchObject({ status: 400, code: 'per_page_invalid' });
    expect(api.message).toMatch(/^per_page: /);
    const page = await fetch(`${base}/explore?page=abc`);
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('page: must be a page number');
  });
});

describe('API bodies', () => {
  let owner: SignUp;
  let other: SignUp;
  let repoApi: string;
  beforeAll(async () => {
    [owner, other] = await Promise.all([signUp(base), signUp(base)]);
    const name = `inputs-${Math.random().toString(36).slice(2, 8)}`;
    await owner.createRepo(name);
    repoApi = `${base}/api/v1/repos/${owner.user.login}/${name}`;
  });

  it('checks commit statuses field by field', async () => {
    const postStatus = (body: unknown) =>
      fetch(`${repoApi}/statuses/${'ab'.repeat(20)}`, {
        method: 'POST',
        headers: owner.headers,
        body: JSON.stringify(body),
      });
    const state = await refusal(await postStatus({ state: 'bogus' }));
    expect(state).toMatchObject({ status: 400, code: 'state_invalid' });
    expect(state.message).toMatch(/^state: must be pending, success, failure or error/);
    const url = await refusal(await postStatus({ state: 'success', target_url: 'ftp://x' }));
    expect(url).toMatchObject({ status: 400, code: 'target_url_invalid' });
    const context = await refusal(await postStatus({ state: 'success', context: 7 }));
    expect(context).toMatchObject({ status: 400, code: 'context_invalid' });
    expect((await postStatus({ state: 'success', context: 'ci' })).status).toBe(201);
  });

  it('refuses a malformed collaborator body instead of granting write', async () => {
    const put = (body: string) =>
      fetch(`${repoApi}/collaborators/${other.user.login}`, {
        method: 'PUT',
        headers: owner.headers,
        body,
      });
    expect(await refusal(await put('{"permission": '))).toMatchObject({
      status: 400,
      code: 'body_invalid',
    });
    expect(await refusal(await put('{"permission": "god"}'))).toMatchObject({
      status: 400,
      code: 'permission_invalid',
    });
    const none = await fetch(`${repoApi}/collaborators`, { headers: owner.headers });
    expect(await none.json()).toEqual([]);
    // An empty body still means the default permission, write.
    expect((await put('')).status).toBe(204);
    const list = (await (
      await fetch(`${repoApi}/collaborators`, { headers: owner.headers })
    ).json()) as Array<{ login: string; role_name: string }>;
    expect(list).toEqual([
      expect.objectContaining({ login: other.user.login, role_name: 'write' }),
    ]);
  });
});

describe('forms', () => {
  const form = (u: SignUp, path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { cookie: u.cookie, origin: new URL(base).origin },
      body: new URLSearchParams(fields),
      redirect: 'manual',
    });

  it('answers a bad field with the form again, naming the field', async () => {
    const u = await signUp(base);
    const token = await form(u, '/settings/tokens', {
      name: 'ci',
      scopes: 'repo:read',
      expires_in_days: 'abc',
    });
    expect(token.status).toBe(400);
    expect(await token.text()).toContain('expires_in_days: must be a number of days');
    const list = (await (
      await fetch(`${base}/api/v1/user/tokens`, { headers: u.headers })
    ).json()) as unknown[];
    expect(list).toEqual([]);
    const repo = await form(u, '/new', { name: 'formed', visibility: 'secret' });
    expect(repo.status).toBe(400);
    expect(await repo.text()).toContain('visibility: must be public or private');
    expect((await form(u, '/new', { name: 'formed', visibility: 'private' })).status).toBe(303);
  });
});

describe('internal API bodies', () => {
  // Each internal path with the credential of the component it belongs to.
  const credentialOf = (path: string): Record<string, string> =>
    path.startsWith('/ssh/') ? BRIDGE : path.startsWith('/controller/') ? CONTROLLER : OPERATOR;
  const internal = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/internal${path}`, {
      method: 'POST',
      headers: { ...JSON_TYPE, ...credentialOf(path), ...headers },
      body: JSON.stringify(body),
    });

  it('checks the controller’s claims, completions and schedule ticks', async () => {
    const owner = await refusal(await internal('/controller/runs/claim', { owner: 5 }));
    expect(owner).toMatchObject({ status: 400, code: 'owner_invalid' });
    expect(owner.message).toMatch(/^owner: /);
    const pool = await refusal(
      await internal('/controller/events/claim', { owner: 'c1', repo_owner: 'no such/user' }),
    );
    expect(pool).toMatchObject({ status: 400, code: 'repo_owner_invalid' });
    const done = await refusal(
      await internal('/controller/runs/1/complete', {
        lease_owner: 'c1',
        lease_epoch: '1',
        conclusion: 'great',
      }),
    );
    expect(done).toMatchObject({ status: 400, code: 'conclusion_invalid' });
    expect(done.message).toMatch(/^conclusion: must be one of success, failure/);
    const lease = await refusal(await internal('/controller/runs/1/heartbeat', {}));
    expect(lease).toMatchObject({ status: 400, code: 'lease_owner_invalid' });
    const at = await refusal(await internal('/controller/schedule', { at: 'yesterday' }));
    expect(at).toMatchObject({ status: 400, code: 'at_invalid' });
    const report = await refusal(
      await internal('/controller/events/1/evaluation', {
        lease_owner: 'c1',
        lease_epoch: 1,
        sha: 'ab'.repeat(20),
        files: [{ file: 'a.py', error: { message: 'x', line: 'seven' } }],
      }),
    );
    expect(report).toMatchObject({ status: 400, code: 'report_invalid' });
    expect(report.message).toMatch(/^files\[0\]\.error\.line: /);
  });

  it('checks run creation and the SSH bridge’s grant requests', async () => {
    const run = await refusal(await internal('/runs', { repo_id: 'abc', workflow: 'ci' }));
    expect(run).toMatchObject({ status: 400, code: 'repo_id_invalid' });
    const user = await signUp(base);
    const kit = new SshKit();
    let ticket: string;
    try {
      const key = await kit.keygen('validation');
      const added = await fetch(`${base}/api/v1/user/keys`, {
        method: 'POST',
        headers: user.headers,
        body: JSON.stringify({ title: 'k', key: key.publicLine }),
      });
      expect(added.status).toBe(201);
      ticket = await bridgeTicket(base, key);
    } finally {
      kit.cleanup();
    }
    const grant = await refusal(
      await internal(
        '/ssh/grant',
        { owner: user.user.login, repo: 'x', action: 'delete' },
        { 'X-Plue-Ssh-Ticket': ticket },
      ),
    );
    expect(grant).toMatchObject({ status: 400, code: 'body_invalid' });
    expect(grant.message).toMatch(/^action: must be read or write/);
    const lookup = await refusal(await internal('/ssh/lookup', { key: ['ssh-ed25519'] }));
    expect(lookup).toMatchObject({ status: 400, code: 'ssh_key_invalid' });
  });
});

describe('account and sign-in bodies', () => {
  let alice: SignUp;
  beforeAll(async () => {
    alice = await signUp(base);
  });
  const send = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { ...alice.headers, ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('names the bad field of a token request with its established code', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ name: 7, scopes: ['admin'] }, 'token_name_invalid', /^name: /],
      [{ name: 'x', scopes: 'admin' }, 'token_scopes_invalid', /^scopes: /],
      [{ name: 'x', scopes: ['admin'], expires_at: 5 }, 'token_expiry_invalid', /^expires_at: /],
    ];
    for (const [body, code, message] of cases) {
      const r = await refusal(await send('/user/tokens', body));
      expect(r, JSON.stringify(body)).toMatchObject({ status: 400, code });
      expect(r.message).toMatch(message);
    }
  });

  it('names the bad field of a repository create or update', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'r1', private: 'yes' }, 'private_invalid'],
      [{ name: 'r2', description: 'x'.repeat(1001) }, 'description_invalid'],
      [{ name: 'r3', description: 42 }, 'description_invalid'],
      [{ name: 'r4', default_branch: 'a..b' }, 'default_branch_invalid'],
      [{ name: 'bad name' }, 'repo_name_invalid'],
    ];
    for (const [body, code] of cases) {
      const r = await refusal(await send('/user/repos', body));
      expect(r, JSON.stringify(body).slice(0, 60)).toMatchObject({ status: 400, code });
    }
    expect((await send('/user/repos', { name: 'ok-repo', description: null })).status).toBe(201);
    const patch = await fetch(`${base}/api/v1/repos/${alice.user.login}/ok-repo`, {
      method: 'PATCH',
      headers: { ...alice.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ private: 1 }),
    });
    expect(await refusal(patch)).toMatchObject({ status: 400, code: 'private_invalid' });
  });

  it('refuses an SSH key title that is not text (it was silently dropped)', async () => {
    const r = await refusal(await send('/user/keys', { title: ['x'], key: 'ssh-ed25519 AAAA' }));
    expect(r).toMatchObject({ status: 400, code: 'title_invalid' });
  });

  it('answers a sign-in body whose message or signature is not text as malformed', async () => {
    for (const body of [
      { message: 42, signature: '0x00' },
      { message: 'x', signature: null },
      { message: 'x'.repeat(10_000), signature: '0x00' },
      {},
    ]) {
      const r = await refusal(
        await fetch(`${base}/api/v1/auth/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
      expect(r, JSON.stringify(body).slice(0, 60)).toMatchObject({
        status: 400,
        code: 'siwe_malformed',
      });
    }
  });
});
