import { describe, expect, it } from 'vitest';
import { SettingsPage } from './settings-page';

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
