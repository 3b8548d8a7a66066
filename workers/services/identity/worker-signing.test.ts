import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Env } from '../../env';
import { jobCredentialOf } from '../runs/job-credentials';
import { issueSshTicket, userOfSshTicket } from './ssh-tickets';
import { signBody, verifiedBody } from './worker-signing';

const env = (over: Partial<Env> = {}): Env =>
  ({ PLUE_SECRETS_KEY: 'k'.repeat(40), PLUE_ENV: 'development', ...over }) as Env;
const now = new Date('2026-12-07T12:00:00Z');

describe('tokens the Worker signs for itself', () => {
  it('verifies its own, for the purpose it was made for only', async () => {
    const t = await signBody(env(), 'ssh-ticket', { u: '7' });
    expect(await verifiedBody(env(), 'ssh-ticket', t)).toEqual({ u: '7' });
    expect(await verifiedBody(env(), 'repo-grant', t)).toBeUndefined();
    expect(await verifiedBody(env({ PLUE_SECRETS_KEY: 'other' }), 'ssh-ticket', t)).toBeUndefined();
  });

  it('refuses truncated, altered and random tokens', async () => {
    const t = await signBody(env(), 'ssh-ticket', { u: '7', l: 'alice', e: 1 });
    for (let n = 0; n < t.length; n += 3) {
      expect(await verifiedBody(env(), 'ssh-ticket', t.slice(0, n))).toBeUndefined();
    }
    for (let i = 0; i < t.length; i += 5) {
      const c = t[i] === 'A' ? 'B' : 'A';
      const altered = `${t.slice(0, i)}${c}${t.slice(i + 1)}`;
      if (altered !== t) expect(await verifiedBody(env(), 'ssh-ticket', altered)).toBeUndefined();
    }
    for (let i = 0; i < 50; i++) {
      const junk = randomBytes(i * 3).toString(i % 2 ? 'base64url' : 'latin1');
      expect(await verifiedBody(env(), 'ssh-ticket', `${junk}.${junk}`)).toBeUndefined();
      expect(await verifiedBody(env(), 'ssh-ticket', junk)).toBeUndefined();
    }
    expect(await verifiedBody(env(), 'ssh-ticket', `${t}.x`)).toBeUndefined();
    expect(await verifiedBody(env(), 'ssh-ticket', 'a'.repeat(20_000))).toBeUndefined();
  });

  it('will not sign with no key, or with the public dev key in production', async () => {
    await expect(signBody(env({ PLUE_SECRETS_KEY: '' }), 'repo-grant', {})).rejects.toThrow(
      /PLUE_SECRETS_KEY/,
    );
    const prod = env({ PLUE_ENV: 'production', PLUE_SECRETS_KEY: 'dev-secrets-key-change-me' });
    await expect(signBody(prod, 'repo-grant', {})).rejects.toThrow(/PLUE_SECRETS_KEY/);
  });

  it('honours an SSH ticket until it expires, and only a well-formed one', async () => {
    const t = await issueSshTicket(env(), { id: 7, login: 'alice' }, 'SHA256:x', now);
    expect(await userOfSshTicket(env(), t, now)).toEqual({ id: '7', login: 'alice' });
    const late = new Date(now.getTime() + 31 * 60_000);
    expect(await userOfSshTicket(env(), t, late)).toBeUndefined();
    const odd = await signBody(env(), 'ssh-ticket', { u: 'x7', l: 'a', e: now.getTime() + 1000 });
    expect(await userOfSshTicket(env(), odd, now)).toBeUndefined();
    expect(await userOfSshTicket(env(), undefined, now)).toBeUndefined();
  });
});

describe('job credentials in an Authorization header', () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

  it('reads run-<id> and event-<id> with their tokens, and nothing else', () => {
    expect(jobCredentialOf(basic('run-12:plue_run_abc'))).toEqual({
      kind: 'run',
      id: '12',
      token: 'plue_run_abc',
    });
    expect(jobCredentialOf(basic('event-3:plue_evt_x:y'))).toEqual({
      kind: 'event',
      id: '3',
      token: 'plue_evt_x:y',
    });
    for (const h of [
      undefined,
      '',
      'Bearer plue_run_abc',
      basic('alice:plue_pat_x'),
      basic('run-0:t'),
      basic('run-01:t'),
      basic('run-12:'),
      basic('run-12'),
      basic(`run-${'9'.repeat(19)}:t`),
      'Basic !!!',
      'Basic',
    ]) {
      expect(jobCredentialOf(h), String(h)).toBeUndefined();
    }
  });

  it('never throws on truncated or random headers', () => {
    const good = basic('run-12:plue_run_abc');
    for (let n = 0; n <= good.length; n++) jobCredentialOf(good.slice(0, n));
    for (let i = 0; i < 200; i++) {
      const raw = randomBytes(i % 40);
      const got = jobCredentialOf(`Basic ${raw.toString('base64')}`);
      if (got !== undefined) expect(got.id).toMatch(/^[1-9]\d{0,17}$/);
      jobCredentialOf(raw.toString('latin1'));
    }
  });
});
