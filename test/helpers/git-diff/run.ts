/**
 * Runs a differential test: sets up one working repository with remotes `plue` and `git`, then
 * steps through seeded random operations (or a fixed script). After every step it waits for Plue's
 * pack compaction to settle (so compaction runs between steps, deterministically), reads both
 * servers from outside (snapshot.ts) and stops at the first difference with an error naming the
 * seed, the step, the differences and the operation log, and how to replay it.
 */
import { vi } from 'vitest';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GitSandbox } from '../git';
import { startCutProxy } from './cut-proxy';
import { commits } from './edit';
import * as ops from './operations';
import * as net from './operations-network';
import { Rng } from './rng';
import { refsFile, report, type Found } from './report';
import { compareClones, viewByClone, viewServed, type Protocol } from './snapshot';
import { SIDES, StepDifference, World, type Side, type SideName } from './world';

export interface Endpoints {
  /** Clone/push URL of the repository on each server (Plue's with credentials). */
  url: Record<SideName, string>;
  /** Base URL of each server, for the cut proxies: the repository path is appended. */
  base: Record<SideName, string>;
  /** `/owner/repo.git`-style path of the repository on each server, with credentials for Plue. */
  proxyPath(side: SideName, proxyBase: string): string;
  /** The bare repository git's server serves (read directly between real clones of it). */
  served: string;
  /** Plue's pack catalog (GET /internal/repos/:owner/:repo/packs). */
  packState(): Promise<PackState>;
}

export interface PackState {
  /** Live packs a clone may be served from, and cruft packs (unreachable objects). */
  live: number;
  /** Keys of the live packs: one gone since the last step means compaction replaced it. */
  liveKeys: string[];
  cruft: number;
  /** False while the live packs may hold duplicates or unreachable objects (a repack is due). */
  exact: boolean;
}

/** Whether Plue's compaction has nothing left to do: packs exact and fewer than it merges. */
const settled = (p: PackState): boolean => p.exact && p.live < 8;

export interface RunOptions {
  seed: number;
  steps: number;
  /** Operations to run in order instead of random ones (the seed still drives their details). */
  script?: Array<ops.OpName | ScriptedOp>;
  /** Where the full operation log goes on failure. */
  logFile?: string;
  /** Replay hint shown in a failure, e.g. the vitest command. */
  replay?: string;
  /**
   * Protocol versions fresh clones and fetches speak, one drawn per clone from a second generator
   * seeded from the seed (so the operations stay the same whatever this list is).
   */
  protocols?: Protocol[];
  /** Record differences and go on to the last step (for triage) instead of stopping at the first. */
  keepGoing?: boolean;
}

/** A hand-written step for directed scenarios. */
export interface ScriptedOp {
  name: string;
  run: ops.Op;
}

export interface RunResult {
  steps: number;
  log: string[];
  opCounts: Record<string, number>;
  compactions: number;
  /** Milliseconds spent in operations, waiting for compaction, and reading both servers. */
  ms: { ops: number; compaction: number; views: number };
}

/** A real clone of git's server every this many steps (read directly in between). */
const GIT_CLONE_EVERY = 10;

const WEIGHTS: ReadonlyArray<readonly [ops.OpName, number]> = [
  ['commit', 14],
  ['branch-at', 6],
  ['delete-branch', 7],
  ['repush-branch', 7],
  ['rewind', 6],
  ['forward', 6],
  ['rewrite', 5],
  ['tag', 9],
  ['fan-out', 4],
  ['merge', 5],
  ['interrupted-push', 5],
  ['full-pack-push', 5],
  ['atomic', 5],
  ['fetch', 8],
];

const OPS: Record<ops.OpName, ops.Op> = {
  commit: ops.commit,
  'branch-at': ops.branchAt,
  'delete-branch': ops.deleteBranch,
  'repush-branch': ops.repushBranch,
  rewind: ops.rewind,
  forward: ops.forward,
  rewrite: ops.rewrite,
  tag: ops.tag,
  'fan-out': ops.fanOut,
  merge: ops.merge,
  'interrupted-push': net.interruptedPush,
  'full-pack-push': net.fullPackPush,
  atomic: net.atomic,
  fetch: net.fetchBoth,
};

function until<T>(timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await probe();
      if (v === undefined) throw new Error('timed out');
      return v;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

/** Runs the steps; resolves with the log, or rejects with a readable difference report. */
export async function runDifferential(
  g: GitSandbox,
  ends: Endpoints,
  opts: RunOptions,
): Promise<RunResult> {
  const rng = new Rng(opts.seed);
  const work = join(g.root, 'work');
  await g.ok(g.root, ['init', '-q', '-b', 'main', work]);
  const sides = {} as Record<SideName, Side>;
  for (const name of SIDES) {
    const proxy = await startCutProxy(ends.base[name]);
    const longClone = join(g.root, `long-${name}.git`);
    await g.ok(g.root, ['init', '-q', '--bare', longClone]);
    await g.ok(work, ['remote', 'add', name, ends.url[name]]);
    sides[name] = {
      name,
      url: ends.url[name],
      proxyUrl: ends.proxyPath(name, proxy.url),
      proxy,
      longClone,
    };
  }
  const w = new World(g, rng, work, sides);
  w.viewRng = new Rng((opts.seed ^ 0x9e3779b9) >>> 0);
  w.protocols = opts.protocols ?? [2, 2, 0, 1];
  const log: string[] = [];
  const opCounts: Record<string, number> = {};
  let compactions = 0;
  let lastPacks: string[] = [];
  const ms = { ops: 0, compaction: 0, views: 0 };
  let t = Date.now();
  const lap = (k: keyof typeof ms): number => {
    const now = Date.now();
    const took = now - t;
    ms[k] += took;
    t = now;
    return took;
  };
  /** Appends to the log, and to the log file as it goes (a timed-out run keeps its log). */
  const note = (line: string): void => {
    log.push(line);
    if (opts.logFile) appendFileSync(opts.logFile, `${line}\n`);
  };
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    writeFileSync(opts.logFile, `git differential, seed ${opts.seed}, ${opts.steps} steps\n`);
    writeFileSync(refsFile(opts.logFile), '');
  }

  const found: Found[] = [];

  /** Throws the report, or (keepGoing) records the difference and lets the run go on. */
  let refsBefore: string[] = [];
  const fail = (step: number, op: string, diffs: string[]): void => {
    // The servers' refs before the step: with the working repository, enough to replay it alone.
    found.push({ step, op, diffs, refsBefore: refsBefore.join(', ') || 'none' });
    if (!opts.keepGoing) throw new Error(report(opts, found, log, ms));
  };

  try {
    for (let step = 0; step <= opts.steps; step++) {
      w.startStep(step);
      refsBefore = [...w.serverRefs].map(([ref, oid]) => `${ref}=${oid.slice(0, 10)}`);
      let name = 'initial';
      let desc: string;
      try {
        if (step === 0) {
          await commits(w, 2, 'initial');
          await w.pushBoth(['refs/heads/main:refs/heads/main']);
          desc = 'two commits on main, pushed';
        } else {
          await w.ok(['checkout', '-q', '-f', '--detach']);
          const chosen = opts.script
            ? (opts.script[(step - 1) % opts.script.length] ?? 'commit')
            : rng.weighted(WEIGHTS);
          const op = typeof chosen === 'string' ? { name: chosen, run: OPS[chosen] } : chosen;
          name = op.name;
          opCounts[name] = (opCounts[name] ?? 0) + 1;
          desc = await op.run(w);
        }
      } catch (err) {
        if (!(err instanceof StepDifference)) throw err;
        desc = `${name}: stopped by a difference`;
        fail(step, name, [err.message]);
      }
      const opMs = lap('ops');
      // Compaction (merging small packs, repacking inexact ones) runs after a push has answered;
      // let it finish so it always runs in between steps, never racing the clones.
      const before = await ends.packState();
      let after = before;
      if (!settled(before)) {
        try {
          after = await until(30_000, async () => {
            const p = await ends.packState();
            return settled(p) ? p : undefined;
          });
        } catch {
          after = await ends.packState();
          w.notes.push('compaction did not settle within 30 s; going on');
        }
      }
      const show = (p: PackState) =>
        `${p.live}${p.cruft ? `+${p.cruft} cruft` : ''}${p.exact ? '' : ' inexact'}`;
      const replaced = lastPacks.filter((k) => !after.liveKeys.includes(k)).length;
      if (replaced) compactions++;
      lastPacks = after.liveKeys;
      const packNote = settled(before)
        ? `packs ${show(after)}${replaced ? `, ${replaced} replaced by compaction` : ''}`
        : `packs ${show(before)}, waited for compaction: ${show(after)}`;
      const waitMs = lap('compaction');

      const dir = w.scratch('clone');
      // Git's side is read from the repository it serves, and really cloned every few steps.
      const cloneGit = step % GIT_CLONE_EVERY === 0 || step === opts.steps;
      const protocol = w.protocol();
      const [plue, git] = await Promise.all([
        viewByClone(g, w.sides.plue, join(dir, 'plue.git'), protocol),
        cloneGit
          ? viewByClone(g, w.sides.git, join(dir, 'git.git'), protocol)
          : viewServed(g, ends.served),
      ]);
      lap('views');
      const timing = `clone v${protocol}; ${opMs}+${waitMs} ms; clones ${plue.ms.clone}/${git.ms.clone}, checks ${plue.ms.checks}/${git.ms.checks} ms`;
      note(
        `#${step} ${desc}  [${packNote}; ${timing}]${w.notes.length ? `\n      ${w.notes.join('\n      ')}` : ''}`,
      );
      w.serverRefs = new Map(
        git.refs
          .map((l) => l.split('\t') as [string, string])
          .filter(([, ref]) => ref?.startsWith('refs/') && !ref.endsWith('^{}'))
          .map(([oid, ref]) => [ref, oid]),
      );
      // Each step's refs (from git's server), one JSON line per step: with the working
      // repository, a failing sequence can be replayed as bare ref states to shrink it.
      if (opts.logFile)
        appendFileSync(
          refsFile(opts.logFile),
          `${JSON.stringify([step, Object.fromEntries(w.serverRefs)])}\n`,
        );
      const diffs = compareClones(plue, git);
      if (diffs.length) fail(step, desc, diffs);
      else rmSync(dir, { recursive: true, force: true });
    }
    // A last incremental fetch, whatever the sequence did.
    w.startStep(opts.steps + 1);
    try {
      note(`#end ${await net.fetchBoth(w)}`);
    } catch (err) {
      if (!(err instanceof StepDifference)) throw err;
      fail(opts.steps + 1, 'final incremental fetch', [err.message]);
    }
  } finally {
    await Promise.all(SIDES.map((s) => sides[s]?.proxy.close()));
  }
  if (found.length) throw new Error(report(opts, found, log, ms));
  return { steps: opts.steps, log, opCounts, compactions, ms };
}
