import { describe, expect, inject, it } from 'vitest';
import { signUp } from '../helpers/auth';

const base = inject('baseUrl');

async function create(token: string, name: string, priv: boolean): Promise<void> {
  const res = await fetch(`${base}/api/v1/user/repos`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, private: priv, description: `about ${name}` }),
  });
  expect(res.status).toBe(201);
}

describe('dashboard and explore', () => {
  it('lists your repositories when signed in and never shows others their private ones', async () => {
    const alice = await signUp(base);
    const bob = await signUp(base);
    const token = await alice.token(['repo:read', 'repo:write', 'admin']);
    await create(token, 'open-one', false);
    await create(token, 'hidden-one', true);

    const mine = await (await fetch(`${base}/`, { headers: { cookie: alice.cookie } })).text();
    expect(mine).toContain('Your repositories');
    expect(mine).toContain(`${alice.user.login} / open-one`);
    expect(mine).toContain(`${alice.user.login} / hidden-one`);

    const viewers: Array<Record<string, string>> = [{}, { cookie: bob.cookie }];
    for (const headers of viewers) {
      const explore = await (await fetch(`${base}/explore`, { headers })).text();
      expect(explore).toContain(`${alice.user.login} / open-one`);
      expect(explore).not.toContain('hidden-one');
      const home = await (await fetch(`${base}/`, { headers })).text();
      expect(home).not.toContain('hidden-one');
    }
    // The owner sees the private one on Explore too.
    const own = await (
      await fetch(`${base}/explore`, { headers: { cookie: alice.cookie } })
    ).text();
    expect(own).toContain('hidden-one');
  });
});
