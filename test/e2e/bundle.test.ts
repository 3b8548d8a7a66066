import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodeForWrangler, ROOT, WRANGLER_JS } from '../../scripts/node22';

// Cloudflare's limit for a paid-plan Worker script, compressed.
const LIMIT = 10 * 1024 * 1024;

describe('deploy bundle', () => {
  it('builds offline with `wrangler deploy --dry-run` and stays under 10 MiB compressed', () => {
    const out = mkdtempSync(join(tmpdir(), 'plue-bundle-'));
    try {
      execFileSync(nodeForWrangler(), [WRANGLER_JS, 'deploy', '--dry-run', '--outdir', out], {
        cwd: ROOT,
        stdio: 'pipe',
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: 'false',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        },
        timeout: 60_000,
      });
      const files = readdirSync(out).filter((f) => f.endsWith('.js'));
      expect(files.length).toBeGreaterThan(0);
      let compressed = 0;
      for (const f of files) {
        const p = join(out, f);
        if (statSync(p).isFile()) compressed += gzipSync(readFileSync(p)).length;
      }
      expect(compressed).toBeGreaterThan(1000);
      expect(compressed).toBeLessThan(LIMIT);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
