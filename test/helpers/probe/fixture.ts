/**
 * The security probe's world: an owner, a read collaborator, a removed collaborator and a
 * stranger (each with a session and a token), and repositories with content pushed by real git
 * and a live run: a private one, a public one whose visibility the probe flips, and a public one
 * that stays public (for Host-spoofing probes). A missing repository shares the facts of the
 * private one except its name.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomClientIp, signUp, type SignUp } from '../../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../git';
import type { RepoFacts } from './routes';

import { OPERATOR } from '../../../scripts/clients/run-stream-client';

export interface ProbeActor {
  name: 'anonymous' | 'stranger' | 'reader' | 'removed' | 'owner';
  user?: SignUp;
  token?: string;
  /** A fixed client IP, so anonymous writes do not share a rate-limit window with other tests. */
  ip: string;
}

export interface ProbeWorld {
  actors: Record<ProbeActor['name'], ProbeActor>;
  privateRepo: RepoFacts;
  flipRepo: RepoFacts;
  publicRepo: RepoFacts;
  missingRepo: RepoFacts;
  git: GitSandbox;
}

const rand = () => Math.random().toString(36).slice(2, 8);

async function api(base: string, user: SignUp, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text;
}

/** Makes a repository with two commits pushed over HTTPS, a run with some output, and facts. */
async function makeRepo(
  base: string,
  git: GitSandbox,
  owner: SignUp,
  token: string,
  name: string,
  isPrivate: boolean,
): Promise<RepoFacts> {
  await owner.createRepo(name, { private: isPrivate });
  const dir = join(git.root, name);
  await git.ok(git.root, ['init', '-q', '-b', 'main', dir]);
  writeFileSync(join(dir, 'README.md'), `# ${name}\n\nsecret words\n`);
  await git.ok(dir, ['add', '.']);
  await git.ok(dir, ['commit', '-q', '-m', 'first']);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.txt'), 'a\n');
  await git.ok(dir, ['add', '.']);
  await git.ok(dir, ['commit', '-q', '-m', 'second']);
  await git.ok(dir, ['push', '-q', remoteUrl(base, owner.user.login, name, token), 'main']);
  const commit = (await git.ok(dir, ['rev-parse', 'HEAD'])).trim();
  const tree = (await git.ok(dir, ['rev-parse', 'HEAD^{tree}'])).trim();
  const blob = (await git.ok(dir, ['rev-parse', 'HEAD:README.md'])).trim();

  const c = await fetch(`${base}/internal/runs`, {
    method: 'POST',
    headers: { ...OPERATOR, 'content-type': 'application/json' },
    body: JSON.stringify({
      owner: owner.user.login,
      repo: name,
      workflow: 'ci',
      workflow_file: '.plue/workflows/ci.py',
      event: 'push',
      head_sha: commit,
      head_branch: 'main',
      plan: { steps: [{ id: 'build', name: 'build', type: 'run' }] },
    }),
  });
  if (c.status !== 201) throw new Error(`create run: ${c.status} ${await c.text()}`);
  const { run, token: runToken } = (await c.json()) as { run: { id: number }; token: string };
  const post = await fetch(`${base}/internal/runs/${run.id}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${runToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      chunks: [
        { event: 'run_started' },
        { event: 'step_started', step_id: 'build' },
        { step_id: 'build', stream: 'stdout', seq: 1, data: 'secret output\n' },
      ],
    }),
  });
  if (post.status !== 200) throw new Error(`post run events: ${post.status}`);
  // An issue with a comment, a reaction and a milestone, for the issue routes.
  const issues = `/repos/${owner.user.login}/${name}`;
  await api(base, owner, 'POST', `${issues}/milestones`, { title: 'v1' });
  await api(base, owner, 'POST', `${issues}/issues`, { title: 'secret issue', body: 'secret' });
  const comment = JSON.parse(
    await api(base, owner, 'POST', `${issues}/issues/1/comments`, { body: 'secret comment' }),
  ) as { id: number };
  const reaction = JSON.parse(
    await api(base, owner, 'POST', `${issues}/issues/1/reactions`, { content: 'eyes' }),
  ) as { id: number };
  // A landing request from a branch (number 2), for the landing routes.
  await git.ok(dir, ['checkout', '-q', '-b', 'topic']);
  writeFileSync(join(dir, 'topic.txt'), 'topic\n');
  await git.ok(dir, ['add', '.']);
  await git.ok(dir, ['commit', '-q', '-m', 'topic']);
  await git.ok(dir, ['push', '-q', remoteUrl(base, owner.user.login, name, token), 'topic']);
  const landing = JSON.parse(
    await api(base, owner, 'POST', `${issues}/landings`, { base: 'main', head: 'topic' }),
  ) as { number: number };
  const reviewComment = JSON.parse(
    await api(base, owner, 'POST', `${issues}/landings/${landing.number}/comments`, {
      body: 'secret review comment',
      path: 'topic.txt',
      line: 1,
    }),
  ) as { id: number };
  return {
    owner: owner.user.login,
    repo: name,
    commit,
    tree,
    blob,
    run: String(run.id),
    step: 'build',
    branch: 'main',
    file: 'README.md',
    workflow: 'ci',
    collaborator: '',
    secret: 'PROBE_SECRET',
    change: 'k'.repeat(32),
    issue: '1',
    landing: String(landing.number),
    comment: String(comment.id),
    reviewComment: String(reviewComment.id),
    label: 'bug',
    milestone: '1',
    reaction: String(reaction.id),
  };
}

export async function buildWorld(base: string): Promise<ProbeWorld> {
  const [owner, reader, removed, stranger] = await Promise.all([
    signUp(base),
    signUp(base),
    signUp(base),
    signUp(base),
  ]);
  const [ownerToken, readerToken, removedToken, strangerToken] = await Promise.all([
    owner.token(['repo:read', 'repo:write', 'admin']),
    reader.token(),
    removed.token(),
    stranger.token(),
  ]);
  const git = new GitSandbox();
  const tag = rand();
  const [privateRepo, flipRepo, publicRepo] = await Promise.all([
    makeRepo(base, git, owner, ownerToken, `probe-private-${tag}`, true),
    makeRepo(base, git, owner, ownerToken, `probe-flip-${tag}`, false),
    makeRepo(base, git, owner, ownerToken, `probe-public-${tag}`, false),
  ]);
  for (const r of [privateRepo, flipRepo, publicRepo]) {
    const path = `/repos/${owner.user.login}/${r.repo}/collaborators`;
    await api(base, owner, 'PUT', `${path}/${reader.user.login}`, { permission: 'read' });
    await api(base, owner, 'PUT', `${path}/${removed.user.login}`, { permission: 'write' });
    await api(base, owner, 'DELETE', `${path}/${removed.user.login}`);
    r.collaborator = reader.user.login;
  }
  const missingRepo = { ...privateRepo, repo: `probe-missing-${tag}` };
  return {
    actors: {
      anonymous: { name: 'anonymous', ip: randomClientIp() },
      stranger: { name: 'stranger', user: stranger, token: strangerToken, ip: randomClientIp() },
      reader: { name: 'reader', user: reader, token: readerToken, ip: randomClientIp() },
      removed: { name: 'removed', user: removed, token: removedToken, ip: randomClientIp() },
      owner: { name: 'owner', user: owner, token: ownerToken, ip: randomClientIp() },
    },
    privateRepo,
    flipRepo,
    publicRepo,
    missingRepo,
    git,
  };
}
