import { describe, expect, inject, it } from 'vitest';
import { signUp } from '../../scripts/clients/auth';

const base = inject('baseUrl');

describe('dashboard and explore', () => {
  it('lists your repositories when signed in and never shows others their private ones', async () => {
    const alice = await signUp(base);
    const bob = await signUp(base);
    await alice.createRepo('open-one', { description: 'about open-one' });
    await alice.createRepo('hidden-one', { private: true, description: 'about hidden-one' });

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
