import { describe, expect, it } from 'vitest';
import { COMPONENT_CREDENTIALS, componentSecretProblem, isLoopbackHost } from './dev-secret';

const DEV_BRIDGE = COMPONENT_CREDENTIALS.bridge.devDefault;

describe('the development component secrets', () => {
  it('knows loopback names and addresses', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'plue.dev', '127.0.0.1.evil.test', '']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('are accepted only in development mode with every address on loopback', () => {
    const dev = { component: 'bridge' as const, mode: 'development', secret: DEV_BRIDGE };
    expect(
      componentSecretProblem({ ...dev, addresses: ['http://127.0.0.1:8787', '127.0.0.1'] }),
    ).toBeUndefined();
    expect(
      componentSecretProblem({ ...dev, addresses: ['http://localhost:8787'] }),
    ).toBeUndefined();
    expect(componentSecretProblem({ ...dev, addresses: ['https://plue.dev'] })).toMatch(/loopback/);
    expect(
      componentSecretProblem({ ...dev, addresses: ['http://127.0.0.1:8787', '0.0.0.0'] }),
    ).toMatch(/loopback/);
    expect(componentSecretProblem({ ...dev, addresses: [undefined] })).toMatch(/loopback/);
    expect(componentSecretProblem({ ...dev, addresses: [] })).toMatch(/loopback/);
    for (const mode of ['production', undefined, 'staging']) {
      expect(componentSecretProblem({ ...dev, mode, addresses: ['127.0.0.1'] })).toMatch(
        /PLUE_BRIDGE_SECRET is the public development default/,
      );
    }
  });

  it('name the variable of their own component, and one default is no other’s', () => {
    const ctx = { mode: 'production', addresses: ['127.0.0.1'] };
    const c = COMPONENT_CREDENTIALS;
    expect(
      componentSecretProblem({ ...ctx, component: 'controller', secret: c.controller.devDefault }),
    ).toMatch(/^PLUE_CONTROLLER_SECRET/);
    // The bridge's default given to the controller is just an (odd) secret, not its default.
    expect(componentSecretProblem({ ...ctx, component: 'controller', secret: DEV_BRIDGE })).toBe(
      undefined,
    );
    const values = Object.values(c);
    expect(new Set(values.map((v) => v.devDefault)).size).toBe(values.length);
    expect(new Set(values.map((v) => v.header.toLowerCase())).size).toBe(values.length);
  });

  it('do not restrict a real secret, and refuse none at all', () => {
    const real = 'f'.repeat(64);
    expect(
      componentSecretProblem({
        component: 'controller',
        mode: 'production',
        secret: real,
        addresses: ['https://plue.dev'],
      }),
    ).toBeUndefined();
    expect(
      componentSecretProblem({
        component: 'operator',
        mode: 'development',
        secret: '',
        addresses: [],
      }),
    ).toMatch(/PLUE_OPERATOR_SECRET is not set/);
  });
});
