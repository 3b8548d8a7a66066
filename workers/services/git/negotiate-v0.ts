/**
 * The have/ACK exchange of upload-pack v0/v1 for one stateless request, by git's rules
 * (upload-pack.c get_common_commits): each `have` the server stores is acknowledged
 * (`ACK <oid> common` with multi_ack_detailed, `ACK <oid> continue` with multi_ack, the first one
 * only as `ACK <oid>` without), and once every want reaches a common commit the client is told
 * it may stop (`ACK <oid> ready`). A flush ends the round with `NAK` (or, with no-done after
 * `ready`, goes straight to the pack); `done` ends negotiation with the last common `ACK` or
 * `NAK`, and the pack follows. Pure: the repository comes in as callbacks.
 */
import type { MultiAck } from './upload-pack-v0-request';

export interface NegotiationRepo {
  has(oid: string): boolean;
  /** The commit's parents and committer time, or undefined for another kind of object. */
  commit(oid: string): Promise<{ parents: string[]; time: number } | undefined>;
}

export interface NegotiationInput {
  wants: string[];
  haves: string[];
  done: boolean;
  multiAck: MultiAck;
  noDone: boolean;
}

export interface NegotiationResult {
  /** The pkt-line texts to send before any pack, in order. */
  lines: string[];
  /** Haves the server also has, in the order received (each once). */
  common: string[];
  /** Whether the pack follows these lines. */
  sendPack: boolean;
}

/**
 * Whether every want reaches a commit the client has (or a parent of one), looking no further
 * back than the oldest such commit, like git's ok_to_give_up. Wants that are not commits count
 * as reached. `known` remembers wants already found reachable across calls.
 */
async function allWantsReached(
  repo: NegotiationRepo,
  wants: string[],
  theyHave: Set<string>,
  oldestHave: number,
  known: Set<string>,
): Promise<boolean> {
  for (const want of wants) {
    if (known.has(want)) continue;
    const seen = new Set<string>([want]);
    const stack = [want];
    let reached = false;
    while (stack.length && !reached) {
      const oid = stack.pop() as string;
      if (theyHave.has(oid)) reached = true;
      else {
        const c = await repo.commit(oid);
        if (!c) {
          if (oid === want) reached = true;
          continue;
        }
        for (const p of c.parents) {
          if (seen.has(p)) continue;
          seen.add(p);
          if (theyHave.has(p)) reached = true;
          else if (((await repo.commit(p))?.time ?? 0) >= oldestHave) stack.push(p);
        }
      }
    }
    if (!reached) return false;
    known.add(want);
  }
  return true;
}

/** Answers the haves of one request; see the module comment for the rules. */
export async function negotiateV0(
  repo: NegotiationRepo,
  input: NegotiationInput,
): Promise<NegotiationResult> {
  const lines: string[] = [];
  const common: string[] = [];
  const commonSet = new Set<string>();
  const theyHave = new Set<string>();
  const reachedWants = new Set<string>();
  let oldestHave = Number.POSITIVE_INFINITY;
  let last = '';
  let gotCommon = false;
  let gotOther = false;
  let sentReady = false;
  // The answer changes only when a common have arrives: unknown haves reuse the last one.
  let answered: { commons: number; ok: boolean } | undefined;
  const okToGiveUp = async (): Promise<boolean> => {
    if (common.length === 0) return false;
    if (answered?.commons !== common.length) {
      const ok = await allWantsReached(repo, input.wants, theyHave, oldestHave, reachedWants);
      answered = { commons: common.length, ok };
    }
    return answered.ok;
  };

  for (const have of input.haves) {
    if (!repo.has(have)) {
      gotOther = true;
      if (input.multiAck !== 'none' && (await okToGiveUp())) {
        if (input.multiAck === 'detailed') {
          sentReady = true;
          lines.push(`ACK ${have} ready`);
        } else lines.push(`ACK ${have} continue`);
      }
      continue;
    }
    const c = await repo.commit(have);
    if (c) {
      oldestHave = Math.min(oldestHave, c.time);
      for (const p of c.parents) theyHave.add(p);
    }
    theyHave.add(have);
    if (!commonSet.has(have)) {
      commonSet.add(have);
      common.push(have);
    }
    gotCommon = true;
    last = have;
    if (input.multiAck === 'detailed') lines.push(`ACK ${have} common`);
    else if (input.multiAck === 'multi_ack') lines.push(`ACK ${have} continue`);
    else if (common.length === 1) lines.push(`ACK ${have}`);
  }

  if (input.done) {
    if (common.length > 0) {
      if (input.multiAck !== 'none') lines.push(`ACK ${last}`);
    } else lines.push('NAK');
    return { lines, common, sendPack: true };
  }
  if (input.multiAck === 'detailed' && gotCommon && !gotOther && (await okToGiveUp())) {
    sentReady = true;
    lines.push(`ACK ${last} ready`);
  }
  if (common.length === 0 || input.multiAck !== 'none') lines.push('NAK');
  if (input.noDone && sentReady) {
    lines.push(`ACK ${last}`);
    return { lines, common, sendPack: true };
  }
  return { lines, common, sendPack: false };
}
