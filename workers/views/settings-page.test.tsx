import { describe, expect, it } from 'vitest';
import { SettingsPage } from './settings-page';

const now = new Date('2026-12-07T00:00:00Z');
const html = async (node: unknown): Promise<string> => String(await node);

const user = { id: '1', login: 'alice', wallet_address: '0x' + 'a'.repeat(40) };

describe('settings page', () => {
  it('shows the SSH remote form and the host key fingerprint when the bridge is configured', async () => {
    const html = String(
      await SettingsPage({
        user,
        tokens: [],
        keys: [],
        ssh: { url: 'ssh://git@127.0.0.1:2222/', fingerprint: 'SHA256:abc123' },
      }),
    );
    expect(html).toContain('ssh://git@127.0.0.1:2222/owner/repo.git');
    expect(html).toContain('SHA256:abc123');
    const bare = String(await SettingsPage({ user, tokens: [], keys: [] }));
    expect(bare).not.toContain('SHA256:');
  });
});

describe('the token form', () => {
  it('defaults to the scopes a push needs and explains each', async () => {
    const page = await html(SettingsPage({ user, tokens: [], keys: [] }));
    const boxes = [
      ...page.matchAll(/<input type="checkbox" name="scopes" value="([^"]+)"([^>]*)>/g),
    ];
    const checked = boxes.filter((m) => /checked/.test(m[2] ?? '')).map((m) => m[1]);
    expect(checked).toEqual(['repo:read', 'repo:write']);
    expect(page).toContain('push, and start, cancel and re-run');
    expect(page).not.toContain('data-copy');
  });

  it('shows a new token once with a copy button and says so', async () => {
    const page = await html(
      SettingsPage({ user, tokens: [], keys: [], newToken: 'plue_pat_' + 'x'.repeat(43) }),
    );
    expect(page).toContain('shown only this once');
    expect(page).toContain('data-copy="new-token"');
    expect(page).toContain('navigator.clipboard');
  });

  it('asks before revoking a token or deleting a key', async () => {
    const page = await html(
      SettingsPage({
        user,
        tokens: [
          {
            id: 5,
            name: 'laptop',
            scopes: ['repo:write'],
            created_at: now.toISOString(),
            expires_at: null,
            last_used_at: null,
          },
        ],
        keys: [
          {
            id: 6,
            title: 'work',
            key: 'ssh-ed25519 AAAA',
            key_type: 'ssh-ed25519',
            fingerprint: 'SHA256:abc',
            created_at: now.toISOString(),
            last_used_at: null,
          },
        ],
      }),
    );
    // The posting button sits inside a closed disclosure that names what it removes.
    expect(page).toMatch(
      /<details class="confirm"><summary>Revoke…<\/summary><form method="post" action="\/settings\/tokens\/5\/delete">.*?Revoke “laptop”<\/button>/s,
    );
    expect(page).toMatch(
      /<details class="confirm"><summary>Delete…<\/summary><form method="post" action="\/settings\/keys\/6\/delete">.*?Delete “work”<\/button>/s,
    );
  });
});
