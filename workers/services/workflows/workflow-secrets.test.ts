import { describe, expect, it } from 'vitest';
import type { Env } from '../../env';
import { checkSecretName, decryptSecret, encryptSecret, secretsOfPlan } from './workflow-secrets';
import { combinedState, stateOfConclusion } from '../repos/statuses';
import type { StatusRow } from '../../../db/queries/commit-statuses';

const env = (key?: string, prod = false) =>
  ({ PLUE_SECRETS_KEY: key, PLUE_ENV: prod ? 'production' : 'development' }) as unknown as Env;

describe('repository secrets at rest', () => {
  it('round-trips, uses a fresh IV, and binds the ciphertext to repo and name', async () => {
    const e = env('k1');
    const a = await encryptSecret(e, '7', 'TOKEN', 'hunter2-value');
    const b = await encryptSecret(e, '7', 'TOKEN', 'hunter2-value');
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(await decryptSecret(e, '7', 'TOKEN', a)).toBe('hunter2-value');
    await expect(decryptSecret(e, '8', 'TOKEN', a)).rejects.toThrow();
    await expect(decryptSecret(e, '7', 'OTHER', a)).rejects.toThrow();
    await expect(decryptSecret(env('k2'), '7', 'TOKEN', a)).rejects.toThrow();
    const tampered = Buffer.from(a, 'base64');
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await expect(decryptSecret(e, '7', 'TOKEN', tampered.toString('base64'))).rejects.toThrow();
  });

  it('refuses to work without a key, or with the dev key in production', async () => {
    await expect(encryptSecret(env(undefined), '1', 'A', 'v')).rejects.toThrow(/PLUE_SECRETS_KEY/);
    await expect(
      encryptSecret(env('dev-secrets-key-change-me', true), '1', 'A', 'v'),
    ).rejects.toThrow();
  });

  it('checks names and finds the secrets a plan declares', () => {
    expect(() => checkSecretName('NPM_TOKEN')).not.toThrow();
    for (const bad of ['', '1ABC', 'A-B', 'A B', 'x'.repeat(101)]) {
      expect(() => checkSecretName(bad)).toThrow();
    }
    const plan = {
      steps: [
        { id: 'a', secrets: ['ONE'], secret_env: { TOKEN: 'TWO' } },
        { id: 'b', secrets: [], secret_env: {} },
        { id: 'c' },
      ],
    };
    expect([...secretsOfPlan(plan)].sort()).toEqual(['ONE', 'TWO']);
    expect(secretsOfPlan(null).size).toBe(0);
  });
});

describe('commit status states', () => {
  const row = (state: StatusRow['state']) => ({ state }) as StatusRow;
  it('combines like GitHub: failure/error win, then pending, else success', () => {
    expect(combinedState([])).toBe('pending');
    expect(combinedState([row('success'), row('success')])).toBe('success');
    expect(combinedState([row('success'), row('pending')])).toBe('pending');
    expect(combinedState([row('pending'), row('error')])).toBe('failure');
    expect(stateOfConclusion(null)).toBe('pending');
    expect(stateOfConclusion('timed_out')).toBe('failure');
    expect(stateOfConclusion('cancelled')).toBe('error');
  });
});
