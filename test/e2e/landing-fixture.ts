/**
 * What the landing tests start from. Commits as jj writes them: `git hash-object -t commit` with
 * a `change-id` header (which plain git cannot write), parented and moved into HEAD by hand, so a
 * test can amend a change (same id, new tree) as `jj describe`/`jj squash` would. And the common
 * setup: a repository with `main` pushed and collaborators added, a protection rule on `main`,
 * a push for review whose landing number is read from the server's message, and `writerCast`,
 * which registers that setup (an owner, a write collaborator, their repository) around a block.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { forgeClient, uniq } from './forge-client';

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

/** Checks out a new `branch` from `main` and commits a new change on it; its id and head. */
export async function startChange(
  g: GitSandbox,
  dir: string,
  branch: string,
  opts: { file: string; content: string; message: string },
): Promise<{ change: string; head: string }> {
  await g.ok(dir, ['checkout', '-q', '-B', branch, 'main']);
  const change = newChangeId();
  return { change, head: await jjCommit(g, dir, { ...opts, changeId: change }) };
}

/** `git push <remote> <ref>` from `dir`, which must succeed; the first landing number named. */
export async function pushForReview(
  g: GitSandbox,
  dir: string,
  remote: string,
  ref = 'HEAD:refs/for/main',
): Promise<{ n: number; stderr: string }> {
  const push = await g.git(dir, ['push', remote, ref]);
  expect(push.code, push.stderr).toBe(0);
  return { n: Number(/Landing !(\d+)/.exec(push.stderr)?.[1]), stderr: push.stderr };
}

export interface LandingRepo {
  name: string;
  /** `/repos/owner/name`. */
  api: string;
  /** The working copy, on `main` as pushed. */
  dir: string;
  ownerRemote: string;
  /** The push URL with `u`'s token. */
  remote(u: SignUp): Promise<string>;
}

/**
 * A new repository of `owner` named `prefix-…`, each of `collaborators` added with its
 * permission, and a working copy of `commits` commits pushed as `main`.
 */
export async function landingRepo(
  base: string,
  g: GitSandbox,
  owner: SignUp,
  prefix: string,
  collaborators: Array<[SignUp, 'read' | 'write']> = [],
  commits = 2,
): Promise<LandingRepo> {
  const name = uniq(prefix);
  await owner.createRepo(name);
  const api = `/repos/${owner.user.login}/${name}`;
  for (const [u, permission] of collaborators)
    await addCollaborator(base, owner, api, u, permission);
  const dir = await g.makeRepo(uniq('w'), commits);
  const remote = async (u: SignUp) => remoteUrl(base, owner.user.login, name, await u.token());
  const ownerRemote = await remote(owner);
  await g.ok(dir, ['push', '-q', ownerRemote, 'main']);
  return { name, api, dir, ownerRemote, remote };
}

/** Adds `u` to `api` (`/repos/owner/name`) with `permission`. */
export async function addCollaborator(
  base: string,
  owner: SignUp,
  api: string,
  u: SignUp,
  permission: 'read' | 'write',
): Promise<void> {
  const path = `${api}/collaborators/${u.user.login}`;
  await forgeClient(base).json(owner, 'PUT', path, { permission }, 204);
}

/** Protects `main` of `api`: required status `contexts`, `approvals` approvals (stale dismissed). */
export async function protectMain(
  base: string,
  owner: SignUp,
  api: string,
  rule: { contexts?: string[]; approvals?: number },
): Promise<void> {
  await forgeClient(base).json(owner, 'PUT', `${api}/branches/main/protection`, {
    required_status_checks: rule.contexts ? { strict: false, contexts: rule.contexts } : null,
    enforce_admins: false,
    required_pull_request_reviews: rule.approvals
      ? { dismiss_stale_reviews: true, required_approving_review_count: rule.approvals }
      : null,
    restrictions: null,
  });
}

/** An owner, a write collaborator and their repository; set once the block's `beforeAll` ran. */
export interface WriterCast extends Omit<LandingRepo, 'remote'> {
  g: GitSandbox;
  owner: SignUp;
  writer: SignUp;
  writerRemote: string;
}

/**
 * Registers, in the calling describe block, the hooks that sign up an owner and a writer and
 * make their `landingRepo` named `prefix-…` (the git sandbox is cleaned up afterwards).
 */
export function writerCast(base: string, prefix: string): WriterCast {
  const cast = { g: new GitSandbox() } as WriterCast;
  beforeAll(async () => {
    const [owner, writer] = await Promise.all([signUp(base), signUp(base)]);
    const { remote, ...repo } = await landingRepo(base, cast.g, owner, prefix, [[writer, 'write']]);
    Object.assign(cast, repo, { owner, writer, writerRemote: await remote(writer) });
  });
  afterAll(() => cast.g.cleanup());
  return cast;
}
