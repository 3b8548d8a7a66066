/**
 * Configurable limits, on a dedicated stack with small limits (the shared stack keeps the
 * defaults): RATE_LIMIT_AUTH_PER_MIN per client IP on /api/v1/auth/*, RATE_LIMIT_WRITE_PER_MIN
 * per user on API writes, each answering 429 with Retry-After; GIT_MAX_PUSH_MB and
 * GIT_MAX_OBJECT_MB refusing oversized pushes with an unpack error and no ref change; the run
 * stream's heartbeat, viewer limit and slow-viewer drop (run-stream-limits.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startStack, type Stack } from '../../scripts/stack';
import { randomClientIp, signUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import {
  heartbeatOnIdleStream,
  maxViewersAnswer,
  RUN_STREAM_LIMIT_VARS,
  slowViewerDropped,
} from './run-stream-limits';

describe('configurable limits', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plue-ratelimit-'));
    stack = await startStack({
      dataDir: dir,
      port: await freePort(),
      extraVars: {
        RATE_LIMIT_AUTH_PER_MIN: '3',
        RATE_LIMIT_WRITE_PER_MIN: '4',
        GIT_MAX_PUSH_MB: '3',
        GIT_MAX_OBJECT_MB: '1',
        ...RUN_STREAM_LIMIT_VARS,
      },
    });
  }, 150_000);
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('limits the auth endpoints per client IP', async () => {
    const ip = randomClientIp();
    const hit = () =>
      fetch(`${stack.url}/api/v1/auth/nonce`, { headers: { 'CF-Connecting-IP': ip } });
    for (let i = 0; i < 3; i++) expect((await hit()).status).toBe(200);
    const limited = await hit();
    expect(limited.status).toBe(429);
    const retry = Number(limited.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // verify and logout count against the same window.
    const verify = await fetch(`${stack.url}/api/v1/auth/verify`, {
      method: 'POST',
      headers: { 'CF-Connecting-IP': ip, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(verify.status).toBe(429);
  });

  it('limits API writes per user', async () => {
    const u = await signUp(stack.url);
    const write = () =>
      fetch(`${stack.url}/api/v1/user/repos`, {
        method: 'POST',
        headers: u.headers,
        body: JSON.stringify({ name: `r${Math.random().toString(36).slice(2, 10)}` }),
      });
    for (let i = 0; i < 4; i++) expect((await write()).status).toBe(201);
    const limited = await write();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Reads are not limited.
    const read = await fetch(`${stack.url}/api/v1/user/repos`, { headers: { cookie: u.cookie } });
    expect(read.status).toBe(200);
  });

  it('refuses pushes over the pack and object size limits without changing a ref', async () => {
    const g = new GitSandbox();
    try {
      const user = await signUp(stack.url);
      const admin = await user.token(['repo:read', 'repo:write', 'admin']);
      await user.createRepo('sizes');
      const url = remoteUrl(stack.url, user.user.login, 'sizes', admin);
      const src = await g.makeRepo('sizes-src', 1);
      await g.ok(src, ['push', url, 'main']);
      const before = await g.ok(src, ['ls-remote', url]);
      // One incompressible 1.5 MiB object: over the 1 MiB object limit.
      writeFileSync(join(src, 'big.bin'), randomBytes(1536 * 1024));
      await g.ok(src, ['add', 'big.bin']);
      await g.ok(src, ['commit', '-qm', 'big object']);
      const big = await g.git(src, ['push', url, 'main']);
      expect(big.code).not.toBe(0);
      expect(big.stderr).toMatch(/unpack failed: .*too large/);
      // Four objects under the object limit but 3.6 MiB together: over the 3 MiB pack limit.
      await g.ok(src, ['reset', '-q', '--hard', 'HEAD~1']);
      for (let i = 0; i < 4; i++) writeFileSync(join(src, `part${i}.bin`), randomBytes(900 * 1024));
      await g.ok(src, ['add', '.']);
      await g.ok(src, ['commit', '-qm', 'many parts']);
      const many = await g.git(src, ['push', url, 'main']);
      expect(many.code).not.toBe(0);
      expect(many.stderr).toMatch(/pack exceeds the limit/);
      expect(await g.ok(src, ['ls-remote', url])).toBe(before);
    } finally {
      g.cleanup();
    }
  });

  it('sends an SSE heartbeat comment on an idle run stream', () =>
    heartbeatOnIdleStream(stack.url));

  it('answers 429 past the viewers limit of a run', () => maxViewersAnswer(stack.url));

  it(
    'drops a slow SSE viewer without holding up others; it resumes by id',
    () => slowViewerDropped(stack.url),
    180_000,
  );
});
