/**
 * The operations of a differential run. Each changes the working repository and pushes the same
 * refspecs to both servers (World.pushBoth fails the step when they answer differently), and
 * returns a one-line description for the operation log. Branch and tag names come from small
 * pools so that names are deleted, re-created and moved again and again.
 */
import { short } from './format';
import { commits } from './edit';
import type { World } from './world';

export const BRANCHES = ['main', 'b1', 'b2', 'b3', 'b4'] as const;
export const TAGS = ['v1', 'v2', 'v3', 'rel'] as const;

export type OpName =
  | 'commit'
  | 'branch-at'
  | 'delete-branch'
  | 'repush-branch'
  | 'rewind'
  | 'forward'
  | 'rewrite'
  | 'tag'
  | 'fan-out'
  | 'merge'
  | 'interrupted-push'
  | 'full-pack-push'
  | 'atomic'
  | 'fetch';

export type Op = (w: World) => Promise<string>;

/** Checks out `name` (creating it at `start` if it does not exist locally). */
async function checkout(w: World, name: string, start?: string): Promise<void> {
  if (await w.tryRev(`refs/heads/${name}`)) await w.ok(['checkout', '-q', '-f', name]);
  else await w.ok(['checkout', '-q', '-f', '-b', name, start ?? 'main']);
}

async function randomCommit(w: World): Promise<string> {
  return w.rng.pick(await w.commits());
}

/** Local branches, optionally only those the servers have / have not. */
async function branches(w: World, on?: 'server' | 'not-server'): Promise<string[]> {
  const local = [...(await w.localBranches()).keys()].sort();
  if (!on) return local;
  const server = new Set(w.serverBranches());
  return local.filter((b) => server.has(b) === (on === 'server'));
}

/** Commits on a branch (existing or new from a random commit) and pushes it. */
export const commit: Op = async (w) => {
  const local = await branches(w);
  const name = w.rng.chance(0.75) && local.length ? w.rng.pick(local) : w.rng.pick(BRANCHES);
  const start = (await w.tryRev(`refs/heads/${name}`)) ? undefined : await randomCommit(w);
  await checkout(w, name, start);
  const n = w.rng.int(1, 3);
  const tip = await commits(w, n, `step ${w.step} ${name}`);
  const flags = w.rng.chance(0.15) ? ['--no-thin'] : [];
  await w.pushBoth([`refs/heads/${name}:refs/heads/${name}`], { flags });
  return `commit ×${n} on ${name}${start ? ` (new, from ${short(start)})` : ''} → ${short(tip)}${flags.length ? ' --no-thin' : ''}`;
};

/** Creates (or moves) a branch at an existing commit and force-pushes it. */
export const branchAt: Op = async (w) => {
  const name = w.rng.pick(BRANCHES.filter((b) => b !== 'main'));
  const at = await randomCommit(w);
  await w.setBranch(name, at);
  await w.pushBoth([`+refs/heads/${name}:refs/heads/${name}`]);
  return `branch ${name} at ${short(at)}`;
};

/** Deletes a branch on the servers (keeping it locally, to push it again later). */
export const deleteBranch: Op = async (w) => {
  const candidates = w.serverBranches().filter((b) => b !== 'main');
  if (!candidates.length) return branchAt(w);
  const name = w.rng.pick(candidates);
  await w.pushBoth([`:refs/heads/${name}`]);
  return `delete ${name} on the servers`;
};

/** Pushes a local branch the servers lost (deleted), objects they still store. */
export const repushBranch: Op = async (w) => {
  const candidates = await branches(w, 'not-server');
  if (!candidates.length) return deleteBranch(w);
  const name = w.rng.pick(candidates);
  await w.pushBoth([`refs/heads/${name}:refs/heads/${name}`]);
  return `push ${name} again (${short(await w.rev(name))})`;
};

/** `git push --force <server> b~k:b`, leaving the local branch ahead. */
export const rewind: Op = async (w) => {
  const candidates: string[] = [];
  for (const b of await branches(w, 'server'))
    if ((await w.tryRev(`${b}~1`)) !== undefined) candidates.push(b);
  if (!candidates.length) return commit(w);
  const name = w.rng.pick(candidates);
  let k = w.rng.int(1, 3);
  while (k > 1 && (await w.tryRev(`${name}~${k}`)) === undefined) k--;
  await w.pushBoth([`${name}~${k}:refs/heads/${name}`], { flags: ['--force'] });
  return `rewind ${name} by ${k} on the servers (force)`;
};

/** Pushes a branch whose server tip is an ancestor of the local one (after a rewind). */
export const forward: Op = async (w) => {
  const candidates: string[] = [];
  for (const b of await branches(w, 'server')) {
    const server = w.serverRefs.get(`refs/heads/${b}`);
    const local = await w.rev(b);
    if (server && server !== local && (await w.isAncestor(server, local))) candidates.push(b);
  }
  if (!candidates.length) return rewind(w);
  const name = w.rng.pick(candidates);
  await w.pushBoth([`refs/heads/${name}:refs/heads/${name}`]);
  return `forward ${name} again to ${short(await w.rev(name))}`;
};

/** Replaces a branch's last commits with new ones and force-pushes (old ones unreachable). */
export const rewrite: Op = async (w) => {
  const candidates = await branches(w, 'server');
  if (!candidates.length) return commit(w);
  const name = w.rng.pick(candidates);
  const k = (await w.tryRev(`${name}~2`)) && w.rng.chance(0.5) ? 2 : 1;
  const base = (await w.tryRev(`${name}~${k}`)) ?? (await w.rev(name));
  await checkout(w, name);
  await w.ok(['reset', '-q', '--hard', base]);
  const tip = await commits(w, w.rng.int(1, 2), `step ${w.step} rewrite ${name}`);
  await w.pushBoth([`+refs/heads/${name}:refs/heads/${name}`]);
  return `rewrite ${name}: drop ${k}, new tip ${short(tip)} (force)`;
};

/** Lightweight or annotated tag: create, move, or delete. */
export const tag: Op = async (w) => {
  const onServer = w.serverTags();
  const what = w.rng.weighted([
    ['create', 3],
    ['move', 2],
    ['delete', onServer.length ? 2 : 0],
  ] as const);
  if (what === 'delete') {
    const name = w.rng.pick(onServer);
    await w.pushBoth([`:refs/tags/${name}`]);
    await w.run(['tag', '-d', name]);
    return `delete tag ${name}`;
  }
  const name = what === 'move' && onServer.length ? w.rng.pick(onServer) : w.rng.pick(TAGS);
  const at = await randomCommit(w);
  const annotated = w.rng.chance(0.5);
  await w.ok(
    annotated
      ? ['tag', '-f', '-a', '-m', `tag ${name} at step ${w.step}`, name, at]
      : ['tag', '-f', name, at],
  );
  await w.pushBoth([`+refs/tags/${name}:refs/tags/${name}`]);
  return `${annotated ? 'annotated' : 'lightweight'} tag ${name} at ${short(at)}`;
};

/** One new commit pushed to several branches in one push. */
export const fanOut: Op = async (w) => {
  await w.ok(['checkout', '-q', '-f', '--detach', await randomCommit(w)]);
  const tip = await commits(w, 1, `step ${w.step} fan-out`);
  const names = BRANCHES.filter((b) => b !== 'main' && w.rng.chance(0.5));
  while (names.length < 2) {
    const more = w.rng.pick(BRANCHES.filter((b) => b !== 'main' && !names.includes(b)));
    names.push(more);
  }
  for (const n of names) await w.setBranch(n, tip);
  await w.pushBoth(names.map((n) => `+${tip}:refs/heads/${n}`));
  return `fan-out ${short(tip)} to ${names.join(', ')}`;
};

/** A merge commit of two branches (conflicts kept as markers), pushed on the first. */
export const merge: Op = async (w) => {
  const local = await branches(w);
  if (local.length < 2) return commit(w);
  const a = w.rng.pick(local);
  const b = w.rng.pick(local.filter((x) => x !== a));
  const [ra, rb] = [await w.rev(a), await w.rev(b)];
  if (await w.isAncestor(rb, ra)) return commit(w);
  const mt = await w.run(['merge-tree', '--write-tree', ra, rb]);
  const tree = mt.stdout.split('\n')[0]?.trim();
  if (!tree || !/^[0-9a-f]{40}$/.test(tree)) throw new Error(`merge-tree: ${mt.stderr}`);
  const msg = `step ${w.step}: merge ${b} into ${a}`;
  const m = (await w.ok(['commit-tree', tree, '-p', ra, '-p', rb, '-m', msg])).trim();
  await w.setBranch(a, m);
  await w.pushBoth([`refs/heads/${a}:refs/heads/${a}`]);
  return `merge ${b} into ${a} → ${short(m)}${mt.code === 1 ? ' (with conflict markers)' : ''}`;
};
