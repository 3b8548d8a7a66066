/**
 * upload-pack v0/v1 over SSH, after the ref advertisement: reads the client's want section and
 * each round of haves, sends each as one stateless request (stateless-rounds.ts) and streams the
 * trimmed answers back. A shallow fetch gets its boundary right after the wants, as from git's
 * upload-pack; the round that ends in `done` carries the pack, which is piped as it comes.
 */
import type { IncomingMessage } from 'node:http';
import { encodePktLine, PktLineReader, pktLineText } from '../common/git/pkt-line';
import { pipeToChannel, type ChannelInput, type ChannelOutput } from './channel-io';
import { describeWantSection, StatelessRounds, type Round } from './stateless-rounds';
import { readBody } from './upstream';

/** Sends one stateless request; the answer, or the exit status when it was refused. */
export type PostUploadPack = (body: Uint8Array) => Promise<IncomingMessage | number>;

const MAX_SECTION = 16 * 1024 * 1024;
/** A round without `done` is answered with ACK/NAK lines only. */
const MAX_ROUND_ANSWER = 4 * 1024 * 1024;

interface Section {
  /** The packets as received (data packets only; the flush or `done` is in `end`). */
  packets: Uint8Array[];
  lines: string[];
  end: 'flush' | 'done' | 'eof';
}

/** Reads the client's packets up to a flush, or a `done` line when `stopAtDone`. */
async function readSection(
  input: ChannelInput,
  reader: PktLineReader,
  stopAtDone: boolean,
): Promise<Section> {
  const s: Section = { packets: [], lines: [], end: 'eof' };
  let size = 0;
  for (;;) {
    const p = reader.next();
    if (!p) {
      const chunk = await input.next();
      if (!chunk) return s;
      reader.push(chunk);
      continue;
    }
    if (p.type === 'flush') return { ...s, end: 'flush' };
    if (p.type !== 'data') throw new Error(`unexpected ${p.type} packet`);
    const line = pktLineText(p);
    if (stopAtDone && line === 'done') return { ...s, end: 'done' };
    size += p.data.length + 4;
    if (size > MAX_SECTION) throw new Error('request too large');
    s.packets.push(encodePktLine(p.data));
    s.lines.push(line);
  }
}

/**
 * Reads from `res` until `trim` can tell where the client's part starts. When the answer is
 * still coming, the rest goes back into `res` (paused) and `undefined` is returned; when it has
 * ended, what is left is returned.
 */
function skipAnswerPrefix(
  res: IncomingMessage,
  rounds: StatelessRounds,
  round: Round,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const finish = (ended: boolean): void => {
      const at = rounds.trim(buf, round, ended);
      if (at === undefined) return;
      res.off('data', onData);
      res.off('end', onEnd);
      res.off('error', reject);
      if (ended) return resolve(buf.subarray(at));
      res.pause();
      if (at < buf.length) res.unshift(buf.subarray(at));
      resolve(undefined);
    };
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      finish(false);
    };
    const onEnd = (): void => finish(true);
    res.on('data', onData);
    res.on('end', onEnd);
    res.on('error', reject);
  });
}

/**
 * Serves the session after the advertisement; resolves with the exit status. Throws on a
 * broken upstream (the caller reports it).
 */
export async function serveUploadPackV0(
  input: ChannelInput,
  out: ChannelOutput,
  post: PostUploadPack,
): Promise<number> {
  const reader = new PktLineReader();
  let first: Section;
  try {
    first = await readSection(input, reader, false);
  } catch (err) {
    await out.error(`ERROR: bad request from the git client: ${(err as Error).message}`);
    return 1;
  }
  // A bare flush (or nothing): the client only wanted the refs.
  if (first.lines.length === 0) return input.aborted ? 1 : 0;
  if (first.end !== 'flush') return 1;
  const want = describeWantSection(first.lines);
  if (typeof want === 'string') {
    await out.error(`ERROR: bad request from the git client: ${want}`);
    return 1;
  }
  const rounds = new StatelessRounds(want);
  if (want.deepen) {
    // The client waits for its shallow boundary before it sends any have.
    const res = await post(want.bytes);
    if (typeof res === 'number') return res;
    if (!(await pipeToChannel(res, out))) return 1;
  }
  for (;;) {
    let section: Section;
    try {
      section = await readSection(input, reader, true);
    } catch (err) {
      await out.error(`ERROR: bad request from the git client: ${(err as Error).message}`);
      return 1;
    }
    if (section.end === 'eof') return input.aborted || section.packets.length > 0 ? 1 : 0;
    const round = rounds.round(section.packets, section.end);
    const res = await post(round.body);
    if (typeof res === 'number') return res;
    if (section.end === 'done') {
      const rest = await skipAnswerPrefix(res, rounds, round);
      if (rest) {
        await out.write(rest);
        return 0;
      }
      const piped = pipeToChannel(res, out);
      res.resume();
      return (await piped) ? 0 : 1;
    }
    const answer = await readBody(res, MAX_ROUND_ANSWER);
    const mine = answer.subarray(rounds.trim(answer, round, true) ?? 0);
    rounds.learn(mine);
    await out.write(mine);
    if (mine.includes('ERR ')) return 1;
  }
}
