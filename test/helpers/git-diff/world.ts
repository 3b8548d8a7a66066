/**
 * The shared state of a differential run: one working repository with two remotes, `plue` and
 * `git` (git's own http-backend), the seeded random source, a cut proxy in front of each server,
 * and helpers that run git deterministically (commit and tag dates follow the step number, so a
 * seed always yields the same object ids) and push the same refspecs to both servers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GitResult, GitSandbox } from '../git';
import type { CutProxy } from './cut-proxy';
import type { Rng } from './rng';
import type { Protocol } from './snapshot';

export type SideName = 'plue' | 'git';
export const SIDES: readonly SideName[] = ['plue', 'git'];

export interface Side {
  name: SideName;
  /** Clone/push URL (with credentials for Plue). */
  url: string;
  /** The same repository through this side's cut proxy. */
  proxyUrl: string;
  proxy: CutProxy;
  /** A long-lived bare clone fetched into incrementally. */
  longClone: string;
}

/** What one push did on one server: exit code and the per-ref flag from `--porcelain`. */
export interface PushOutcome {
  code: number;
  /** `dst ref → flag` (' ' fast-forward, '+' forced, '-' deleted, '*' new, '!' rejected, '=' same). */
  flags: Map<string, string>;
  stderr: string;
}

/** Difference found while running an operation (as opposed to in the snapshot after it). */
export class StepDifference extends Error {}

const EPOCH = 1_700_000_000;

export class World {
  step = 0;
  /** Sub-counter so several commits in one step get distinct, deterministic dates. */
  private tick = 0;
  /** Server refs as git's server reported them after the last step (ref → oid, no HEAD). */
  serverRefs = new Map<string, string>();
  /** File contents written so far, to write again later (old blobs and trees reappear). */
  readonly history: string[] = [];
  /** Notes for the operation log of the current step. */
  readonly notes: string[] = [];
  /** Draws for how servers are read (protocol versions), apart from the operations' draws. */
  viewRng: Rng | undefined;
  protocols: Protocol[] = [2];

  /** The protocol version for the next clone or fetch. */
  protocol(): Protocol {
    return this.viewRng ? this.viewRng.pick(this.protocols) : 2;
  }

  constructor(
    readonly g: GitSandbox,
    readonly rng: Rng,
    readonly work: string,
    readonly sides: Record<SideName, Side>,
  ) {}

  /** Scratch directory for this step. */
  scratch(name: string): string {
    const dir = join(this.g.root, 'scratch', `${this.step}-${name}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Environment giving every commit and tag of this step fixed dates. */
  private dates(): Record<string, string> {
    const t = `@${EPOCH + this.step * 100 + this.tick++} +0000`;
    return { GIT_AUTHOR_DATE: t, GIT_COMMITTER_DATE: t };
  }

  startStep(step: number): void {
    this.step = step;
    this.tick = 0;
    this.notes.length = 0;
  }

  /** Runs git in `cwd` (default: the working repository) with this step's dates. */
  run(args: string[], cwd = this.work): Promise<GitResult> {
    return this.g.git(cwd, args, { env: this.dates() });
  }

  /** Like `run`, but throws with git's stderr on failure (a broken test, not a server). */
  async ok(args: string[], cwd = this.work): Promise<string> {
    const r = await this.run(args, cwd);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  async rev(spec: string): Promise<string> {
    return (await this.ok(['rev-parse', '--verify', '-q', `${spec}^{object}`])).trim();
  }

  async tryRev(spec: string): Promise<string | undefined> {
    const r = await this.run(['rev-parse', '--verify', '-q', `${spec}^{object}`]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  async isAncestor(a: string, b: string): Promise<boolean> {
    return (await this.run(['merge-base', '--is-ancestor', a, b])).code === 0;
  }

  /** Local branches (name → oid). */
  async localBranches(): Promise<Map<string, string>> {
    const out = await this.ok([
      'for-each-ref',
      '--format=%(refname:strip=2) %(objectname)',
      'refs/heads',
    ]);
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ') as [string, string]),
    );
  }

  /** Branch names on the servers (from git's server after the last step). */
  serverBranches(): string[] {
    return [...this.serverRefs.keys()]
      .filter((r) => r.startsWith('refs/heads/'))
      .map((r) => r.slice('refs/heads/'.length))
      .sort();
  }

  serverTags(): string[] {
    return [...this.serverRefs.keys()]
      .filter((r) => r.startsWith('refs/tags/'))
      .map((r) => r.slice('refs/tags/'.length))
      .sort();
  }

  /** Recent commits of the working repository, newest first. */
  async commits(max = 60): Promise<string[]> {
    const out = await this.ok(['rev-list', '--all', `--max-count=${max}`]);
    return out.split('\n').filter(Boolean);
  }

  /** Points a local branch at `oid` (HEAD is detached at the start of every step). */
  async setBranch(name: string, oid: string): Promise<void> {
    await this.ok(['update-ref', `refs/heads/${name}`, oid]);
  }

  /**
   * Pushes the same refspecs to both servers (at once; they are independent) and fails the step
   * when they answer differently: one accepts and the other refuses, or a ref's outcome differs.
   * `via: 'proxy'` goes through the cut proxies (armed by the caller).
   */
  async pushBoth(
    refspecs: string[],
    opts: { flags?: string[]; via?: 'remote' | 'proxy'; cwd?: string } = {},
  ): Promise<Record<SideName, PushOutcome>> {
    const flags = opts.flags ?? [];
    const [plue, git] = await Promise.all(
      SIDES.map(async (name) => {
        const side = this.sides[name];
        const dest = opts.via === 'proxy' ? side.proxyUrl : opts.cwd ? side.url : name;
        const r = await this.run(['push', '--porcelain', ...flags, dest, ...refspecs], opts.cwd);
        return outcome(r);
      }),
    );
    const result = { plue: plue as PushOutcome, git: git as PushOutcome };
    const label = `push ${[...flags, ...refspecs].join(' ')}`;
    this.notes.push(`${label} → plue ${summary(result.plue)}, git ${summary(result.git)}`);
    if (opts.via === 'proxy') return result;
    const same =
      (result.plue.code === 0) === (result.git.code === 0) &&
      sameFlags(result.plue.flags, result.git.flags);
    if (!same)
      throw new StepDifference(
        `${label}: the servers answered differently\n` +
          `  plue (exit ${result.plue.code}): ${summary(result.plue)}\n${indent(result.plue.stderr)}\n` +
          `  git  (exit ${result.git.code}): ${summary(result.git)}\n${indent(result.git.stderr)}`,
      );
    return result;
  }
}

function outcome(r: GitResult): PushOutcome {
  const flags = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(.)\t([^\t]*)\t/.exec(line);
    if (!m) continue;
    const [, flag, spec] = m as unknown as [string, string, string];
    flags.set(spec.slice(spec.indexOf(':') + 1), flag);
  }
  return { code: r.code, flags, stderr: r.stderr.trim() };
}

function sameFlags(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function summary(o: PushOutcome): string {
  const refs = [...o.flags].map(([ref, flag]) => `${flag === ' ' ? '~' : flag}${ref}`).join(' ');
  return `${o.code === 0 ? 'ok' : `exit ${o.code}`}${refs ? ` [${refs}]` : ''}`;
}

export function indent(text: string, by = '      '): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => by + l)
    .join('\n');
}
