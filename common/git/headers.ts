/**
 * The header block shared by commits and tags: "key SP value" lines, continuation lines starting
 * with a space (multi-line values such as gpgsig), a blank line, then the message. Values keep
 * their inner newlines so serialisation reproduces the original bytes.
 */
import { ObjectFormatError } from './errors';

/** Splits an object text into ordered headers and the message after the first blank line. */
export function parseHeaders(text: string): {
  headers: Array<[string, string]>;
  message: string;
  hasBody: boolean;
} {
  const headers: Array<[string, string]> = [];
  let pos = 0;
  for (;;) {
    if (pos >= text.length) return { headers, message: '', hasBody: false };
    const nl = text.indexOf('\n', pos);
    const line = nl < 0 ? text.slice(pos) : text.slice(pos, nl);
    const next = nl < 0 ? text.length : nl + 1;
    if (line === '') return { headers, message: text.slice(next), hasBody: true };
    if (line.startsWith(' ')) {
      const last = headers[headers.length - 1];
      if (!last) throw new ObjectFormatError('continuation line before any header');
      last[1] += '\n' + line.slice(1);
    } else {
      const sp = line.indexOf(' ');
      headers.push(sp < 0 ? [line, ''] : [line.slice(0, sp), line.slice(sp + 1)]);
    }
    pos = next;
  }
}

/** Inverse of `parseHeaders` (for objects that had a blank line before the message). */
export function formatHeaders(
  headers: ReadonlyArray<readonly [string, string]>,
  message: string,
): string {
  let s = '';
  for (const [k, v] of headers) s += (v === '' ? k : `${k} ${v.replace(/\n/g, '\n ')}`) + '\n';
  return s + '\n' + message;
}
