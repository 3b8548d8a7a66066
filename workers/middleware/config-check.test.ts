import { describe, expect, it } from 'vitest';
import type { Env } from '../env';
import { DEV_INTERNAL_SECRET } from '../../common/dev-secret';
import { internalSecretValid } from './auth';
import { productionConfigProblem } from './config-check';

const env = (over: Partial<Env>): Env => ({ ...over }) as Env;

describe('production configuration', () => {
  it('refuses to serve with the dev secret or without a public URL', () => {
    const prod = { PLUE_ENV: 'production', PLUE_PUBLIC_URL: 'https://plue.dev' };
    expect(productionConfigProblem(env({ ...prod, PLUE_INTERNAL_SECRET: 'x'.repeat(40) }))).toBe(
      undefined,
    );
    expect(
      productionConfigProblem(env({ ...prod, PLUE_INTERNAL_SECRET: DEV_INTERNAL_SECRET })),
    ).toMatch(/development default/);
    expect(
      productionConfigProblem(
        env({ PLUE_ENV: 'production', PLUE_INTERNAL_SECRET: 'x'.repeat(40) }),
      ),
    ).toMatch(/PLUE_PUBLIC_URL/);
    expect(
      productionConfigProblem(
        env({ PLUE_ENV: 'development', PLUE_INTERNAL_SECRET: DEV_INTERNAL_SECRET }),
      ),
    ).toBeUndefined();
  });
});

describe('the Worker and the dev internal secret', () => {
  const dev = {
    PLUE_ENV: 'development',
    PLUE_INTERNAL_SECRET: DEV_INTERNAL_SECRET,
    PLUE_PUBLIC_URL: 'http://127.0.0.1:8787',
  };

  it('accepts it only in development mode, on a loopback public URL, from loopback', () => {
    expect(internalSecretValid(env(dev), DEV_INTERNAL_SECRET)).toBe(true);
    expect(internalSecretValid(env(dev), DEV_INTERNAL_SECRET, '127.0.0.1')).toBe(true);
    expect(internalSecretValid(env(dev), DEV_INTERNAL_SECRET, '198.51.100.7')).toBe(false);
    expect(
      internalSecretValid(
        env({ ...dev, PLUE_PUBLIC_URL: 'https://plue.dev' }),
        DEV_INTERNAL_SECRET,
      ),
    ).toBe(false);
    expect(internalSecretValid(env({ ...dev, PLUE_ENV: 'production' }), DEV_INTERNAL_SECRET)).toBe(
      false,
    );
    expect(internalSecretValid(env({ ...dev, PLUE_ENV: undefined }), DEV_INTERNAL_SECRET)).toBe(
      false,
    );
    expect(internalSecretValid(env(dev), 'wrong')).toBe(false);
  });

  it('accepts a real secret anywhere', () => {
    const real = 'k'.repeat(64);
    const prod = {
      PLUE_ENV: 'production',
      PLUE_INTERNAL_SECRET: real,
      PLUE_PUBLIC_URL: 'https://plue.dev',
    };
    expect(internalSecretValid(env(prod), real, '198.51.100.7')).toBe(true);
    expect(internalSecretValid(env(prod), DEV_INTERNAL_SECRET)).toBe(false);
  });
});
