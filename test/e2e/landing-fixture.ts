/**
 * Commits as jj writes them, for landing tests: `git hash-object -t commit` with a `change-id`
 * header (which plain git cannot write), parented and moved into HEAD by hand, so a test can
 * amend a change (same id, new tree) as `jj describe`/`jj squash` would.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GitSandbox } from '../helpers/git';

/** A fresh jj change id: 32 characters in k–z. */
export function newChangeId(): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += String.fromCharCode(107 + Math.floor(Math.random() * 16));
  return out;
}

/**
 * Writes `file` with `content`, and commits the index on top of `parent` (HEAD's parent chain
 * when 'HEAD', or 'HEAD^' to amend) with a `change-id` header (none when `changeId` is
 * undefined). HEAD (the checked-out branch) moves to the new commit; returns its id.
 */
export async function jjCommit(
  g: GitSandbox,
  dir: string,
  opts: { file: string; content: string; message: string; changeId?: string; parent?: string },
): Promise<string> {
  writeFileSync(join(dir, opts.file), opts.content);
  await g.ok(dir, ['add', opts.file]);
  const tree = (await g.ok(dir, ['write-tree'])).trim();
  const parent = (await g.ok(dir, ['rev-parse', opts.parent ?? 'HEAD'])).trim();
  const ts = 1_700_000_000 + Math.floor(Math.random() * 1_000_000);
  const sig = `Jay Jay <jj@plue.invalid> ${ts} +0000`;
  const body =
    `tree ${tree}\nparent ${parent}\nauthor ${sig}\ncommitter ${sig}\n` +
    (opts.changeId !== undefined ? `change-id ${opts.changeId}\n` : '') +
    `\n${opts.message}\n`;
  const oid = (
    await g.ok(dir, ['hash-object', '-t', 'commit', '-w', '--stdin'], { input: body })
  ).trim();
  await g.ok(dir, ['update-ref', 'HEAD', oid]);
  return oid;
}
