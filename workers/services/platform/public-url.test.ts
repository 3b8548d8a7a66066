import { describe, expect, it } from 'vitest';
import { parsePublicUrl, publicOrigin, publicRequestUrl } from './public-url';

describe('public URL', () => {
  it('takes the origin and host from configuration', () => {
    expect(parsePublicUrl('https://plue.dev/some/path')).toEqual({
      origin: 'https://plue.dev',
      host: 'plue.dev',
      hostname: 'plue.dev',
      protocol: 'https:',
    });
    expect(parsePublicUrl('http://127.0.0.1:8787')?.host).toBe('127.0.0.1:8787');
    for (const bad of [undefined, '', 'plue.dev', 'ftp://plue.dev', 'https://u:p@plue.dev']) {
      expect(parsePublicUrl(bad), String(bad)).toBeUndefined();
    }
  });

  it('rebuilds request URLs on the configured origin, whatever Host the request named', () => {
    const env = { PLUE_PUBLIC_URL: 'https://plue.dev' };
    expect(publicRequestUrl(env, 'http://evil.example/api/v1/x?page=2').toString()).toBe(
      'https://plue.dev/api/v1/x?page=2',
    );
    expect(publicOrigin(env)).toBe('https://plue.dev');
    expect(() => publicOrigin({ PLUE_PUBLIC_URL: undefined })).toThrow(/PLUE_PUBLIC_URL/);
  });
});
