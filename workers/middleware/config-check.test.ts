import { describe, expect, it } from 'vitest';
import type { Env } from '../env';
import { COMPONENT_CREDENTIALS } from '../../common/dev-secret';
import { componentSecretValid } from './components';
import { productionConfigProblem } from './config-check';

const env = (over: Partial<Env>): Env => ({ ...over }) as Env;
const DEV_BRIDGE = COMPONENT_CREDENTIALS.bridge.devDefault;
const DEV_CONTROLLER = COMPONENT_CREDENTIALS.controller.devDefault;

describe('production configuration', () => {
  const real = {
    PLUE_BRIDGE_SECRET: 'b'.repeat(40),
    PLUE_CONTROLLER_SECRET: 'c'.repeat(40),
    PLUE_SECRETS_KEY: 'k'.repeat(40),
  };
  it('refuses to serve with a dev default or without a public URL', () => {
    const prod = { PLUE_ENV: 'production', PLUE_PUBLIC_URL: 'https://plue.dev', ...real };
    expect(productionConfigProblem(env(prod))).toBe(undefined);
    expect(productionConfigProblem(env({ ...prod, PLUE_BRIDGE_SECRET: DEV_BRIDGE }))).toMatch(
      /PLUE_BRIDGE_SECRET is the public development default/,
    );
    expect(
      productionConfigProblem(env({ ...prod, PLUE_CONTROLLER_SECRET: DEV_CONTROLLER })),
    ).toMatch(/PLUE_CONTROLLER_SECRET is the public development default/);
    expect(
      productionConfigProblem(
        env({ ...prod, PLUE_OPERATOR_SECRET: COMPONENT_CREDENTIALS.operator.devDefault }),
      ),
    ).toMatch(/PLUE_OPERATOR_SECRET/);
    expect(
      productionConfigProblem(env({ ...prod, PLUE_SECRETS_KEY: 'dev-secrets-key-change-me' })),
    ).toMatch(/PLUE_SECRETS_KEY/);
    expect(productionConfigProblem(env({ PLUE_ENV: 'production', ...real }))).toMatch(
      /PLUE_PUBLIC_URL/,
    );
    expect(
      productionConfigProblem(env({ PLUE_ENV: 'development', PLUE_BRIDGE_SECRET: DEV_BRIDGE })),
    ).toBeUndefined();
  });
});

describe('the Worker and the dev component secrets', () => {
  const dev = {
    PLUE_ENV: 'development',
    PLUE_BRIDGE_SECRET: DEV_BRIDGE,
    PLUE_CONTROLLER_SECRET: DEV_CONTROLLER,
    PLUE_PUBLIC_URL: 'http://127.0.0.1:8787',
  };

  it('accepts one only in development mode, on a loopback public URL, from loopback', () => {
    expect(componentSecretValid(env(dev), 'bridge', DEV_BRIDGE)).toBe(true);
    expect(componentSecretValid(env(dev), 'bridge', DEV_BRIDGE, '127.0.0.1')).toBe(true);
    expect(componentSecretValid(env(dev), 'bridge', DEV_BRIDGE, '198.51.100.7')).toBe(false);
    expect(
      componentSecretValid(
        env({ ...dev, PLUE_PUBLIC_URL: 'https://plue.dev' }),
        'bridge',
        DEV_BRIDGE,
      ),
    ).toBe(false);
    expect(
      componentSecretValid(env({ ...dev, PLUE_ENV: 'production' }), 'bridge', DEV_BRIDGE),
    ).toBe(false);
    expect(componentSecretValid(env({ ...dev, PLUE_ENV: undefined }), 'bridge', DEV_BRIDGE)).toBe(
      false,
    );
    expect(componentSecretValid(env(dev), 'bridge', 'wrong')).toBe(false);
  });

  it('never takes one component’s secret for another’s, nor an unset one', () => {
    expect(componentSecretValid(env(dev), 'controller', DEV_BRIDGE)).toBe(false);
    expect(componentSecretValid(env(dev), 'bridge', DEV_CONTROLLER)).toBe(false);
    expect(componentSecretValid(env(dev), 'operator', '')).toBe(false);
    expect(componentSecretValid(env(dev), 'operator', 'anything')).toBe(false);
  });

  it('accepts a real secret anywhere', () => {
    const secret = 'k'.repeat(64);
    const prod = {
      PLUE_ENV: 'production',
      PLUE_CONTROLLER_SECRET: secret,
      PLUE_PUBLIC_URL: 'https://plue.dev',
    };
    expect(componentSecretValid(env(prod), 'controller', secret, '198.51.100.7')).toBe(true);
    expect(componentSecretValid(env(prod), 'controller', DEV_CONTROLLER)).toBe(false);
  });
});
