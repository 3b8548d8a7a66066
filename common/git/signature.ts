/**
 * Identity lines of commits and tags: "Name <email> <unix-seconds> <+hhmm>". Parsing is lenient
 * like git's own reader (receive.fsckObjects is off by default, so git accepts odd identities);
 * only a missing "<email>" is an error.
 */
import { ObjectFormatError } from './errors';

/** An author, committer or tagger line. `tz` is kept as written, e.g. "+0100". */
export interface Signature {
  name: string;
  email: string;
  timestamp: number;
  tz: string;
}

/** Parses an identity line's value (without the "author " key). */
export function parseSignature(value: string): Signature {
  const lt = value.indexOf('<');
  const gt = lt < 0 ? -1 : value.indexOf('>', lt);
  if (lt < 0 || gt < 0) throw new ObjectFormatError(`bad identity line: ${value.slice(0, 80)}`);
  const [ts = '', tz = ''] = value
    .slice(gt + 1)
    .trim()
    .split(/\s+/);
  const timestamp = /^\d+$/.test(ts) ? Number(ts) : 0;
  return { name: value.slice(0, lt).trimEnd(), email: value.slice(lt + 1, gt), timestamp, tz };
}

/** Formats a signature as git writes it. */
export function formatSignature(s: Signature): string {
  return `${s.name} <${s.email}> ${s.timestamp} ${s.tz}`;
}
