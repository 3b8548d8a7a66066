/**
 * The operations of a differential run that need more than one plain push: a push cut half way
 * by the proxies and then retried, a push of a whole history from a repository that knows none
 * of the servers' refs (a pack repeating objects they store), `--atomic` pushes of several refs
 * (sometimes with one that must fail them all), and an incremental fetch into long-lived clones.
 */
import { join } from 'node:path';
import { commits } from './edit';
import { short } from './format';
import { BRANCHES, TAGS, type Op } from './operations';
import { compareFetches, viewByFetch } from './snapshot';
import { indent, SIDES, StepDifference, type World } from './world';

async function lsRemote(w: World, url: string): Promise<string> {
  const r = await w.g.git(w.g.root, ['ls-remote', url]);
  if (r.code !== 0) return `ls-remote failed: ${r.stderr.trim()}`;
  return r.stdout.split('\n').filter(Boolean).sort().join('\n');
}

/** Commits on a branch, pushes through the cut proxies (must fail, change no ref), retries. */
export const interruptedPush: Op = async (w) => {
  const local = [...(await w.localBranches()).keys()].sort();
  const name = w.rng.pick(local);
  await w.ok(['checkout', '-q', '-f', name]);
  const n = w.rng.int(1, 3);
  const tip = await commits(w, n, `step ${w.step} ${name} (interrupted)`);
  const fraction = 0.05 + w.rng.next() * 0.9;
  const before = await Promise.all(SIDES.map((s) => lsRemote(w, w.sides[s].url)));
  for (const s of SIDES) w.sides[s].proxy.arm(fraction);
  const cuts = SIDES.map((s) => w.sides[s].proxy.cuts.length);
  // Forced: the local branch may have moved off the server's (say after a refused --atomic push),
  // and a push git refuses itself never reaches the proxy to be cut.
  const spec = `+refs/heads/${name}:refs/heads/${name}`;
  const res = await w.pushBoth([spec], { via: 'proxy' });
  const after = await Promise.all(SIDES.map((s) => lsRemote(w, w.sides[s].url)));
  const problems: string[] = [];
  SIDES.forEach((s, i) => {
    const proxy = w.sides[s].proxy;
    proxy.disarm();
    const made = proxy.cuts.slice(cuts[i] ?? 0);
    if (!made.length) problems.push(`the proxy in front of ${s} never cut the push (test problem)`);
    else
      w.notes.push(
        `${s}: ${made.map((c) => `cut after ${c.sent} of ${c.length ?? '?'} body bytes`).join(', then ')}`,
      );
    if (res[s].code === 0)
      problems.push(`${s} reported the interrupted push as successful:\n${indent(res[s].stderr)}`);
    if (after[i] !== before[i])
      problems.push(
        `the interrupted push changed refs on ${s}:\n${indent(`before:\n${before[i]}\nafter:\n${after[i]}`)}`,
      );
  });
  if (problems.length) throw new StepDifference(problems.join('\n'));
  await w.pushBoth([spec]);
  return `interrupted push of ${name} (${n} commits → ${short(tip)}) cut at ${Math.round(fraction * 100)}% of the body, then retried`;
};

/** A push from a fresh repository holding one branch: every object is sent, most stored already. */
export const fullPackPush: Op = async (w) => {
  const local = [...(await w.localBranches()).keys()].sort();
  const src = w.rng.pick(local);
  const target = w.rng.pick(BRANCHES);
  const oid = await w.rev(src);
  const tmp = join(w.scratch('full-pack'), 'repo.git');
  await w.ok(['init', '-q', '--bare', tmp], w.g.root);
  await w.ok(['fetch', '-q', w.work, `+refs/heads/${src}:refs/heads/${src}`], tmp);
  await w.pushBoth([`+refs/heads/${src}:refs/heads/${target}`], { cwd: tmp });
  await w.setBranch(target, oid);
  return `full-history push of ${src} (${short(oid)}) to ${target} from a repository that knows no server ref`;
};

/** Several refs in one `--atomic` push; sometimes one of them is a non-fast-forward. */
export const atomic: Op = async (w) => {
  const local = [...(await w.localBranches()).keys()].sort();
  const name = w.rng.pick(local);
  await w.ok(['checkout', '-q', '-f', name]);
  const tip = await commits(w, 1, `step ${w.step} ${name} (atomic)`);
  const tagName = w.rng.pick(TAGS);
  await w.ok(['tag', '-f', tagName, tip]);
  const specs = [
    `refs/heads/${name}:refs/heads/${name}`,
    `+refs/tags/${tagName}:refs/tags/${tagName}`,
  ];
  const others = w.serverBranches().filter((b) => b !== 'main' && b !== name);
  const extra = w.rng.weighted([
    ['delete', others.length ? 1 : 0],
    ['create', 1],
    ['none', 1],
  ] as const);
  const parts = [`${name} → ${short(tip)}`, `tag ${tagName}`];
  if (extra === 'delete') {
    const d = w.rng.pick(others);
    specs.push(`:refs/heads/${d}`);
    parts.push(`delete ${d}`);
  } else if (extra === 'create') {
    const b = w.rng.pick(BRANCHES.filter((x) => x !== 'main' && x !== name));
    const at = w.rng.pick(await w.commits());
    specs.push(`+${at}:refs/heads/${b}`);
    parts.push(`${b} → ${short(at)}`);
    await w.setBranch(b, at);
  }
  // A non-fast-forward without '+': git refuses the whole atomic push before sending anything.
  const stale = others.find((b) => !specs.some((s) => s.endsWith(`refs/heads/${b}`)));
  if (stale && w.rng.chance(0.3)) {
    const serverTip = w.serverRefs.get(`refs/heads/${stale}`);
    const parent = serverTip ? await w.tryRev(`${serverTip}~1`) : undefined;
    if (parent) {
      specs.push(`${parent}:refs/heads/${stale}`);
      parts.push(`${stale} back to ${short(parent)} without force (must fail all)`);
    }
  }
  await w.pushBoth(specs, { flags: ['--atomic'] });
  return `atomic push: ${parts.join(', ')}`;
};

/** Fetches into each server's long-lived clone and compares them. */
export const fetchBoth: Op = async (w) => {
  const protocol = w.protocol();
  const [plue, git] = await Promise.all(SIDES.map((s) => viewByFetch(w.g, w.sides[s], protocol)));
  if (!plue || !git) throw new Error('unreachable');
  const diffs = compareFetches(plue, git);
  if (diffs.length)
    throw new StepDifference(`fetch over protocol v${protocol}: ${diffs.join('\n')}`);
  return `incremental fetch (protocol v${protocol}) into the long-lived clones (${plue.refs.length} refs agree)`;
};
