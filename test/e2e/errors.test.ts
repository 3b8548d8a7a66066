import { describe, expect, inject, it } from 'vitest';

const base = inject('baseUrl');

describe('error mapping', () => {
  it('answers unknown API paths with JSON {error:{code,message}}', async () => {
    const res = await fetch(`${base}/api/v1/does-not-exist`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as {
      error: { code: string; message: string; request_id: string };
    };
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toContain('/api/v1/does-not-exist');
    expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('answers unknown pages with an HTML error page carrying the request id', async () => {
    const res = await fetch(`${base}/no/such/page/here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('404');
    expect(html).toContain(res.headers.get('x-request-id') ?? 'missing');
  });

  it('keeps a well-formed incoming request id and replaces a malformed one', async () => {
    const good = await fetch(`${base}/api/v1/health`, {
      headers: { 'x-request-id': 'abc12345-test' },
    });
    expect(good.headers.get('x-request-id')).toBe('abc12345-test');
    const bad = await fetch(`${base}/api/v1/health`, { headers: { 'x-request-id': '<script>' } });
    expect(bad.headers.get('x-request-id')).not.toBe('<script>');
  });

  it('serves the home page and stylesheet', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<h1>Plue</h1>');
    const css = await fetch(`${base}/static/style.css`);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });
});
