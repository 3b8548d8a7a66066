/**
 * upload-pack protocol v2 over smart HTTP: `ls-refs` and `fetch` (want/have negotiation, shallow
 * and deepen, blob filters, include-tag). Which pack is sent, and how, is fetch-pack.ts's.
 */
import { fromUtf8 } from '../../../common/git/bytes';
import { isServableRefName } from '../../../common/git/refs';
import type { RepoObjects } from '../../git/storage/repo-objects';
import type { RepoState } from '../../../durable-objects/formats';
import { AppError } from '../../../common/errors';
import { planFetch, writePlannedPack } from './fetch-pack';
import {
  applyFetchCapability,
  applyFetchLine,
  checkWants,
  commonCommits,
  emptyFetchArgs,
  peel,
  requestPkts,
  type FetchArgs,
} from './fetch-request';
import { openObjects, type GitRepoContext } from './repo-context';
import { GitResponseWriter } from './response-writer';

interface V2Request {
  command: string;
  args: string[];
}

/** Splits a v2 request body into command, capabilities and arguments. */
export function parseV2Request(body: Uint8Array): V2Request | undefined {
  const pkts = requestPkts(body);
  if (pkts.length === 0 || pkts[0]?.type === 'flush') return undefined;
  let command = '';
  const args: string[] = [];
  let section: 'caps' | 'args' = 'caps';
  for (const p of pkts) {
    if (p.type === 'delim') {
      section = 'args';
      continue;
    }
    if (p.type === 'flush') break;
    if (p.type !== 'data') continue;
    const line = fromUtf8(p.data).replace(/\n$/, '');
    if (section === 'caps') {
      if (line.startsWith('command=')) command = line.slice(8);
    } else args.push(line);
  }
  if (!command) throw AppError.invalid('protocol v2 request without a command');
  return { command, args };
}

/** ls-refs: HEAD (with its symref target) and refs, filtered by ref-prefix. */
export async function lsRefs(
  ctx: GitRepoContext,
  state: RepoState,
  args: string[],
  out: GitResponseWriter,
): Promise<void> {
  const prefixes = args.filter((a) => a.startsWith('ref-prefix ')).map((a) => a.slice(11));
  const symrefs = args.includes('symrefs');
  const wantPeel = args.includes('peel');
  const unborn = args.includes('unborn');
  const matches = (name: string): boolean =>
    prefixes.length === 0 || prefixes.some((p) => name.startsWith(p));
  const byName = new Map(state.refs.map((r) => [r.name, r.oid]));
  let objects: RepoObjects | undefined;
  if (matches('HEAD')) {
    const target = byName.get(state.head);
    const attr = symrefs ? ` symref-target:${state.head}` : '';
    if (target) await out.line(`${target} HEAD${attr}`);
    else if (unborn) await out.line(`unborn HEAD${attr}`);
  }
  for (const r of state.refs) {
    if (!matches(r.name) || !isServableRefName(r.name)) continue;
    let line = `${r.oid} ${r.name}`;
    if (wantPeel && r.name.startsWith('refs/tags/')) {
      objects ??= await openObjects(ctx, state);
      const peeled = await peel(objects, r.oid);
      if (peeled) line += ` peeled:${peeled}`;
    }
    await out.line(line);
  }
  await out.flush();
}

function parseFetchArgs(args: string[]): FetchArgs {
  const f = emptyFetchArgs();
  for (const a of args) {
    if (applyFetchLine(f, a) || applyFetchCapability(f, a)) continue;
    throw AppError.invalid(`unexpected fetch argument '${a.slice(0, 60)}'`);
  }
  if (f.wants.length === 0) throw AppError.invalid('fetch without any want');
  return f;
}

/** fetch: negotiation round, or the pack. */
export async function fetchCommand(
  ctx: GitRepoContext,
  state: RepoState,
  args: string[],
  out: GitResponseWriter,
): Promise<void> {
  const f = parseFetchArgs(args);
  const objects = await openObjects(ctx, state);
  checkWants(objects, f.wants);
  const common = f.haves.filter((h) => objects.has(h));
  if (!f.done) {
    await out.line('acknowledgments');
    if (common.length === 0) {
      await out.line('NAK');
      await out.flush();
      return;
    }
    for (const h of common) await out.line(`ACK ${h}`);
    await out.line('ready');
    await out.delim();
  }
  const sink = {
    data: (bytes: Uint8Array) => out.band(bytes),
    progress: async (text: string, force = false): Promise<void> => {
      if (!f.noProgress) await out.progress(text, force);
    },
  };
  f.common = await commonCommits(objects, common);
  const plan = await planFetch(state, objects, f, (n) => sink.progress(`Counting objects: ${n}\r`));
  if (plan.kind === 'walk' && (plan.walk.shallow.length || plan.walk.unshallow.length)) {
    await out.line('shallow-info');
    for (const s of plan.walk.shallow) await out.line(`shallow ${s}`);
    for (const u of plan.walk.unshallow) await out.line(`unshallow ${u}`);
    await out.delim();
  }
  await out.line('packfile');
  await writePlannedPack(ctx, plan, sink);
  await out.flush();
}

/**
 * Runs one v2 command; the response streams while it is produced. `onInexact` is called after a
 * fetch found the packs inexact (the caller schedules compaction, so later clones stream them).
 */
export function uploadPack(
  ctx: GitRepoContext,
  request: V2Request,
  onError: (e: unknown) => void,
  onInexact?: () => void,
): ReadableStream<Uint8Array> {
  const out = new GitResponseWriter();
  void (async () => {
    try {
      const state = await ctx.refs.state(ctx.repo.defaultBranch);
      if (request.command === 'ls-refs') await lsRefs(ctx, state, request.args, out);
      else if (request.command === 'fetch') await fetchCommand(ctx, state, request.args, out);
      else throw AppError.invalid(`unknown command '${request.command}'`);
      await out.close();
      if (request.command === 'fetch' && !state.exact) onInexact?.();
    } catch (err) {
      onError(err);
      const msg = err instanceof AppError ? err.message : 'internal error while serving the fetch';
      await out.error(msg).catch(() => undefined);
      await out.close();
    }
  })();
  return out.readable;
}
