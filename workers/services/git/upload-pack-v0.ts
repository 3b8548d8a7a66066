/**
 * upload-pack protocol v0/v1 over smart HTTP (stateless-rpc, as `git http-backend` serves it),
 * for the clients that do not speak v2: libgit2, isomorphic-git, dulwich, go-git, older JGit,
 * and git with protocol.version=0/1. The SSH bridge turns a stateful SSH session into these same
 * requests. Each request carries the wants again; the answer is, in order: the shallow boundary
 * (when the client cuts history), the ACK/NAK lines of negotiate-v0.ts, and the pack (side-band
 * or raw). Which pack is sent, and how, is fetch-pack.ts's, shared with v2.
 */
import { parseCommit } from '../../../common/git/object';
import { encodeSideBand } from '../../../common/git/pkt-line';
import type { RepoObjects } from '../../git/storage/repo-objects';
import { AppError } from '../../../common/errors';
import { writeUploadPackAdvertisement, type V0AdvertisementOptions } from './advertise-v0';
import { planFetch, writePlannedPack, type FetchPlan, type PackSink } from './fetch-pack';
import { checkWants, commonCommits, isDeepen, peel } from './fetch-request';
import { negotiateV0, type NegotiationRepo } from './negotiate-v0';
import { openObjects, type GitRepoContext } from './repo-context';
import { GitResponseWriter } from './response-writer';
import type { UploadPackV0Request } from './upload-pack-v0-request';

/** The v0/v1 ref advertisement of the repository as it is now (tags peeled). */
export async function uploadPackV0Advertisement(
  ctx: GitRepoContext,
  opts: V0AdvertisementOptions,
): Promise<Uint8Array> {
  const state = await ctx.refs.state(ctx.repo.defaultBranch);
  const peeled = new Map<string, string>();
  const tags = state.refs.filter((r) => r.name.startsWith('refs/tags/'));
  if (tags.length > 0) {
    const objects = await openObjects(ctx, state);
    for (const t of tags) {
      const target = await peel(objects, t.oid);
      if (target) peeled.set(t.oid, target);
    }
  }
  return writeUploadPackAdvertisement(state, peeled, opts);
}

/** Commit parents and times for negotiation, each commit read once per request. */
function negotiationRepo(objects: RepoObjects): NegotiationRepo {
  const commits = new Map<string, { parents: string[]; time: number } | undefined>();
  return {
    has: (oid) => objects.has(oid),
    async commit(oid) {
      if (commits.has(oid)) return commits.get(oid);
      const obj = await objects.read(oid);
      let info: { parents: string[]; time: number } | undefined;
      if (obj?.type === 'commit') {
        const c = parseCommit(obj.body);
        info = { parents: c.parents, time: c.committer.timestamp };
      }
      commits.set(oid, info);
      return info;
    },
  };
}

/** Answers one request; the response streams while it is produced. */
export function uploadPackV0(
  ctx: GitRepoContext,
  request: UploadPackV0Request,
  onError: (e: unknown) => void,
  /** Called after a pack was sent from inexact packs (the caller schedules compaction). */
  onInexact?: () => void,
): ReadableStream<Uint8Array> {
  const out = new GitResponseWriter();
  const f = request.fetch;
  const sideBand = request.sideBand;
  // Once the answer that starts the pack is out, the client reads side-band (or raw pack data):
  // an `ERR` line would read as a bad band there, so errors go on band 3.
  let inPack = false;
  const sink: PackSink = {
    data: (bytes) => out.write(sideBand ? encodeSideBand(1, bytes, sideBand) : bytes),
    progress: async (text, force = false) => {
      if (sideBand && !f.noProgress) await out.progress(text, force);
    },
  };
  void (async () => {
    try {
      const state = await ctx.refs.state(ctx.repo.defaultBranch);
      const objects = await openObjects(ctx, state);
      checkWants(objects, f.wants);
      const answer = request.negotiating
        ? await negotiateV0(negotiationRepo(objects), {
            wants: f.wants,
            haves: f.haves,
            done: f.done,
            multiAck: request.multiAck,
            noDone: request.noDone,
          })
        : undefined;
      if (isDeepen(f) || answer?.sendPack)
        f.common = await commonCommits(objects, answer?.common ?? []);
      let plan: FetchPlan | undefined;
      if (isDeepen(f)) {
        // Every request of a shallow fetch starts with the boundary (git's receive_needs).
        plan = await planFetch(state, objects, f, () => Promise.resolve());
        if (plan.kind === 'walk') {
          for (const s of plan.walk.shallow) await out.line(`shallow ${s}`);
          for (const u of plan.walk.unshallow) await out.line(`unshallow ${u}`);
        }
        await out.flush();
      }
      if (answer) {
        for (const line of answer.lines) await out.line(line);
        if (answer.sendPack) {
          inPack = true;
          plan ??= await planFetch(state, objects, f, (n) =>
            sink.progress(`Counting objects: ${n}\r`),
          );
          await writePlannedPack(ctx, plan, sink);
          if (sideBand) await out.flush();
        }
      }
      await out.close();
      if (answer?.sendPack && !state.exact) onInexact?.();
    } catch (err) {
      onError(err);
      const msg = err instanceof AppError ? err.message : 'internal error while serving the fetch';
      if (!inPack) await out.line(`ERR ${msg}`).catch(() => undefined);
      else if (sideBand) await out.fatal(msg).catch(() => undefined);
      // A raw pack has no room for a message: the client sees it cut short.
      if (inPack && !sideBand) await out.abort(err);
      else await out.close();
    }
  })();
  return out.readable;
}
