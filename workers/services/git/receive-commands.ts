/**
 * Parses the command section of a receive-pack request (gitprotocol-pack): `<old> <new> <ref>`
 * lines, the first carrying NUL + capabilities, up to a flush; shallow lines are refused.
 */
import { fromUtf8 } from '../../git/model/bytes';
import { PktLineReader, type Pkt } from '../../git/model/pkt-line';
import { isValidOid, ZERO_OID } from '../../git/model/refs';
import { AppError } from '../../errors';

export interface ReceiveCommand {
  ref: string;
  oldOid: string;
  newOid: string;
}

export interface ReceiveRequest {
  commands: ReceiveCommand[];
  caps: Set<string>;
  /** Reader positioned after the command section (and push options); the pack follows. */
  pkts: PktLineReader;
}

const MAX_COMMANDS = 10_000;

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
  let caps = new Set<string>();
  for (;;) {
    const p = await nextPkt();
    if (!p) {
      if (commands.length === 0) return { commands, caps, pkts, exhausted };
      throw AppError.invalid('receive-pack request ended before the flush after its commands');
    }
    if (p.type === 'flush') break;
    if (p.type !== 'data') throw AppError.invalid('unexpected packet in receive-pack commands');
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
    if (text.startsWith('shallow ')) {
      throw AppError.invalid(
        'pushing from a shallow clone is not supported; fetch with --unshallow first',
      );
    }
    const m = /^([0-9a-f]{40}) ([0-9a-f]{40}) (\S+)$/.exec(text);
    if (!m || !isValidOid(m[1] as string) || !isValidOid(m[2] as string)) {
      throw AppError.invalid(
        `malformed receive-pack command: ${JSON.stringify(text.slice(0, 120))}`,
      );
    }
    commands.push({ oldOid: m[1] as string, newOid: m[2] as string, ref: m[3] as string });
    if (commands.length > MAX_COMMANDS)
      throw AppError.tooLarge(`more than ${MAX_COMMANDS} ref updates in one push`);
  }
  if (caps.has('push-options')) {
    for (;;) {
      const p = await nextPkt();
      if (!p || p.type === 'flush') break;
    }
  }
  return { commands, caps, pkts, exhausted };
}

/** True when every command deletes a ref (then no pack follows). */
export function onlyDeletes(commands: ReceiveCommand[]): boolean {
  return commands.every((c) => c.newOid === ZERO_OID);
}
