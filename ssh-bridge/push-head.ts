/**
 * Reads the head of a receive-pack request as it streams in from the client: optional `shallow`
 * lines, the ref update commands (capabilities after NUL on the first), the flush, and the
 * push-options section when the client asked for `push-options`. The bridge needs two answers
 * from it: did the client push nothing (a bare flush — no POST at all), and is every command a
 * delete (then no pack follows and the client keeps stdin open, so the bridge ends the body itself).
 */
import { PktLineReader } from '../common/git/pkt-line';

const ZERO_OID = '0'.repeat(40);
const COMMAND = /^([0-9a-f]{40}) ([0-9a-f]{40}) (\S+)$/;
/** Far more than any real command list (git sends ~100 bytes per ref). */
export const MAX_PUSH_HEAD = 8 * 1024 * 1024;

export type PushHeadState =
  | { kind: 'more' }
  | { kind: 'empty' }
  | { kind: 'ready'; headLength: number; allDeletes: boolean; commands: number }
  | { kind: 'invalid'; message: string };

/** Incremental parser: `push` each chunk in order until it stops answering 'more'. */
export class PushHeadParser {
  private readonly reader = new PktLineReader();
  private total = 0;
  private phase: 'commands' | 'options' = 'commands';
  private commands = 0;
  private allDeletes = true;
  private pushOptions = false;

  push(chunk: Uint8Array): PushHeadState {
    this.total += chunk.length;
    this.reader.push(chunk);
    try {
      for (let p = this.reader.next(); p; p = this.reader.next()) {
        if (p.type === 'flush') {
          if (this.phase === 'commands') {
            if (this.commands === 0) return { kind: 'empty' };
            if (this.pushOptions) {
              this.phase = 'options';
              continue;
            }
          }
          return this.ready();
        }
        if (p.type !== 'data') return invalid('unexpected special packet');
        if (this.phase === 'commands') {
          const problem = this.command(new TextDecoder().decode(p.data));
          if (problem) return invalid(problem);
        }
      }
    } catch (err) {
      return invalid((err as Error).message);
    }
    if (this.total - this.reader.buffered > MAX_PUSH_HEAD) return invalid('too many ref updates');
    return { kind: 'more' };
  }

  private ready(): PushHeadState {
    return {
      kind: 'ready',
      headLength: this.total - this.reader.buffered,
      allDeletes: this.allDeletes,
      commands: this.commands,
    };
  }

  /** Takes one command line; returns a problem description or undefined. */
  private command(raw: string): string | undefined {
    let line = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
    if (this.commands === 0 && line.startsWith('shallow ')) return undefined;
    if (this.commands === 0 && line.startsWith('push-cert'))
      return 'signed pushes are not supported';
    const nul = line.indexOf('\0');
    if (nul >= 0) {
      if (this.commands === 0) {
        this.pushOptions = line
          .slice(nul + 1)
          .split(' ')
          .includes('push-options');
      }
      line = line.slice(0, nul);
    }
    const m = COMMAND.exec(line);
    if (!m) return 'malformed ref update command';
    this.commands++;
    if (m[2] !== ZERO_OID) this.allDeletes = false;
    return undefined;
  }
}

function invalid(message: string): PushHeadState {
  return { kind: 'invalid', message };
}
