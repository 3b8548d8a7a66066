import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { AppError, STATUS_OF, toAppError, type ErrorKind } from '../../common/errors';
import type { AppEnv } from '../env';
import { renderError } from './errors';
import { requestContext } from './logger';

function appThrowing(err: unknown): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext());
  app.get('*', () => {
    throw err;
  });
  app.onError(renderError);
  return app;
}

describe('error kinds', () => {
  it('maps every kind to its status on the API surface as {error:{code,message}}', async () => {
    for (const kind of Object.keys(STATUS_OF) as ErrorKind[]) {
      const app = appThrowing(new AppError(kind, `boom ${kind}`));
      const res = await app.request('/api/v1/x');
      expect(res.status).toBe(STATUS_OF[kind]);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(kind);
      expect(body.error.message).toBe(`boom ${kind}`);
    }
  });

  it('renders an HTML page on the web surface', async () => {
    const res = await appThrowing(AppError.forbidden()).request('/owner/repo/settings');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('Ask an owner');
  });

  it('hides the cause of unknown errors', async () => {
    const res = await appThrowing(new Error('secret detail')).request('/api/v1/x');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret detail');
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal' } });
  });

  it('sets Retry-After for rate limits and keeps specific codes', async () => {
    const res = await appThrowing(AppError.rateLimited(42)).request('/api/v1/x');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('42');
    const coded = await appThrowing(AppError.invalid('bad nonce', 'nonce_invalid')).request(
      '/api/x',
    );
    expect(((await coded.json()) as { error: { code: string } }).error.code).toBe('nonce_invalid');
  });

  it('normalises non-AppErrors to internal', () => {
    expect(toAppError('x').kind).toBe('internal');
    const e = AppError.notFound();
    expect(toAppError(e)).toBe(e);
  });
});

describe('database text errors', () => {
  it('maps PostgreSQL "cannot store this text" errors to a 400, other errors to 500', () => {
    for (const code of ['22021', '22P05']) {
      const e = toAppError(Object.assign(new Error('invalid byte sequence'), { code }));
      expect(e.kind).toBe('invalid');
      expect(e.code).toBe('text_invalid');
      expect(e.message).toMatch(/NUL/);
    }
    expect(toAppError(Object.assign(new Error('x'), { code: '23505' })).kind).toBe('internal');
    expect(toAppError(null).kind).toBe('internal');
    expect(toAppError('boom').kind).toBe('internal');
  });
});
