import { describe, expect, it } from 'vitest';
import { DEV_INTERNAL_SECRET, internalSecretProblem, isLoopbackHost } from './dev-secret';

describe('the development internal secret', () => {
  it('knows loopback names and addresses', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'plue.dev', '127.0.0.1.evil.test', '']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('is accepted only in development mode with every address on loopback', () => {
    const dev = { mode: 'development', secret: DEV_INTERNAL_SECRET };
    expect(
      internalSecretProblem({ ...dev, addresses: ['http://127.0.0.1:8787', '127.0.0.1'] }),
    ).toBeUndefined();
    expect(internalSecretProblem({ ...dev, addresses: ['http://localhost:8787'] })).toBeUndefined();
    expect(internalSecretProblem({ ...dev, addresses: ['https://plue.dev'] })).toMatch(/loopback/);
    expect(
      internalSecretProblem({ ...dev, addresses: ['http://127.0.0.1:8787', '0.0.0.0'] }),
    ).toMatch(/loopback/);
    expect(internalSecretProblem({ ...dev, addresses: [undefined] })).toMatch(/loopback/);
    expect(internalSecretProblem({ ...dev, addresses: [] })).toMatch(/loopback/);
    for (const mode of ['production', undefined, 'staging']) {
      expect(
        internalSecretProblem({ mode, secret: DEV_INTERNAL_SECRET, addresses: ['127.0.0.1'] }),
      ).toMatch(/development default/);
    }
  });

  it('does not restrict a real secret, and refuses none at all', () => {
    const real = 'f'.repeat(64);
    expect(
      internalSecretProblem({ mode: 'production', secret: real, addresses: ['https://plue.dev'] }),
    ).toBeUndefined();
    expect(internalSecretProblem({ mode: 'development', secret: '', addresses: [] })).toMatch(
      /not set/,
    );
  });
});
