/**
 * Parses the command section of a receive-pack request (gitprotocol-pack): `shallow <oid>` lines
 * (a push from a shallow clone names its shallow boundaries first), then `<old> <new> <ref>`
 * lines, the first carrying NUL + capabilities, up to a flush; then push options when asked for.
 * Ref names are taken as sent (everything after the second space) and judged later, so a bad
 * name gets its own `ng` line instead of failing the whole request.
 */
import { fromUtf8 } from '../../../common/git/bytes';
import { PktLineReader, type Pkt } from '../../../common/git/pkt-line';
import { isValidOid, ZERO_OID } from '../../../common/git/refs';
import { AppError } from '../../../common/errors';

export interface ReceiveCommand {
  ref: string;
  oldOid: string;
  newOid: string;
}

export interface ReceiveRequest {
  commands: ReceiveCommand[];
  caps: Set<string>;
  /** The client's shallow boundaries (commits whose parents it does not have). */
  shallow: string[];
  /** Push options (`git push -o k=v`), when the client sent them. */
  options: string[];
  /** Reader positioned after the command section (and push options); the pack follows. */
  pkts: PktLineReader;
}

/**
 * A request that cannot be parsed. `caps` holds the capabilities read before the problem, so
 * the answer can use side-band when the client asked for it (an `ERR` pkt inside a side-band
 * stream shows as "bad band" in git).
 */
export class ReceiveRequestError extends AppError {
  caps = new Set<string>();
}

const MAX_COMMANDS = 10_000;
const MAX_SHALLOW = 100_000;
const MAX_OPTIONS = 100;

function fail(err: AppError, caps: Set<string>): never {
  const e = new ReceiveRequestError(err.kind, err.message, { code: err.code });
  e.caps = caps;
  throw e;
}

/** Pulls packets from `next` until the command section's flush. */
export async function readReceiveCommands(
  source: AsyncIterator<Uint8Array>,
): Promise<ReceiveRequest & { exhausted: boolean }> {
  const pkts = new PktLineReader();
  let exhausted = false;
  const nextPkt = async (): Promise<Pkt | undefined> => {
    for (;;) {
      const p = pkts.next();
      if (p) return p;
      if (exhausted) return undefined;
      const r = await source.next();
      if (r.done) {
        exhausted = true;
        pkts.end();
      } else pkts.push(r.value);
    }
  };

  const commands: ReceiveCommand[] = [];
  const shallow: string[] = [];
  let caps = new Set<string>();
  for (;;) {
    let p: Pkt | undefined;
    try {
      p = await nextPkt();
    } catch {
      fail(AppError.invalid('malformed pkt-line in receive-pack request'), caps);
    }
    if (!p) {
      if (commands.length === 0) return { commands, caps, shallow, options: [], pkts, exhausted };
      fail(
        AppError.invalid('receive-pack request ended before the flush after its commands'),
        caps,
      );
    }
    if (p.type === 'flush') break;
    if (p.type !== 'data')
      fail(AppError.invalid('unexpected packet in receive-pack commands'), caps);
    let text = fromUtf8(p.data);
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      if (commands.length === 0)
        caps = new Set(
          text
            .slice(nul + 1)
            .split(' ')
            .filter(Boolean),
        );
      text = text.slice(0, nul);
    }
    if (commands.length === 0 && text.startsWith('shallow ')) {
      const oid = text.slice(8);
      if (!isValidOid(oid))
        fail(AppError.invalid(`malformed shallow line: ${oid.slice(0, 60)}`), caps);
      if (shallow.length >= MAX_SHALLOW)
        fail(AppError.tooLarge(`more than ${MAX_SHALLOW} shallow lines in one push`), caps);
      shallow.push(oid);
      continue;
    }
    const m = /^([0-9a-f]{40}) ([0-9a-f]{40}) (.+)$/s.exec(text);
    if (!m) {
      fail(
        AppError.invalid(`malformed receive-pack command: ${JSON.stringify(text.slice(0, 120))}`),
        caps,
      );
    }
    commands.push({ oldOid: m[1] as string, newOid: m[2] as string, ref: m[3] as string });
    if (commands.length > MAX_COMMANDS)
      fail(AppError.tooLarge(`more than ${MAX_COMMANDS} ref updates in one push`), caps);
  }
  const options: string[] = [];
  if (caps.has('push-options')) {
    for (;;) {
      let p: Pkt | undefined;
      try {
        p = await nextPkt();
      } catch {
        fail(AppError.invalid('malformed pkt-line in push options'), caps);
      }
      if (!p || p.type === 'flush') break;
      if (p.type !== 'data') fail(AppError.invalid('unexpected packet in push options'), caps);
      if (options.length >= MAX_OPTIONS)
        fail(AppError.tooLarge(`more than ${MAX_OPTIONS} push options`), caps);
      const text = fromUtf8(p.data);
      options.push(text.endsWith('\n') ? text.slice(0, -1) : text);
    }
  }
  return { commands, caps, shallow, options, pkts, exhausted };
}

/** True when every command deletes a ref (then no pack follows). */
export function onlyDeletes(commands: ReceiveCommand[]): boolean {
  return commands.every((c) => c.newOid === ZERO_OID);
}
