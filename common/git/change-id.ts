/**
 * A commit's change identity (docs/design/landing-requests.md §1): jj's `change-id` header (the
 * first one only, 32 characters in k–z, i.e. 16 bytes of "reverse hex"), or a Gerrit
 * `Change-Id: I<40 hex>` trailer in the message's last paragraph, which wins when both are
 * present. The trailer `jj gerrit upload` writes (`I` + the jj id in plain hex + `6a6a6964`,
 * "jjid") maps back to the jj id, so pushing through either path reaches the same landing.
 */
import { fromUtf8 } from './bytes';
import { parseHeaders } from './headers';

const JJ_ID = /^[k-z]{32}$/;
const GERRIT_LINE = /^Change-Id:[ \t]*(I[0-9a-f]{40})[ \t]*$/;
/** "jjid" in hex: the suffix of a trailer written by `jj gerrit upload`. */
const JJ_SUFFIX = '6a6a6964';

export interface ChangeIdentity {
  /** The key a landing is matched by: a jj id (k–z) or a Gerrit `I…` id. */
  changeId: string;
  source: 'header' | 'trailer';
}

/** Converts 32 hex digits to jj's reverse hex (0 → z … f → k). */
export function hexToJjId(hex: string): string {
  let out = '';
  for (const ch of hex) out += String.fromCharCode(122 - parseInt(ch, 16));
  return out;
}

/** The change id a Gerrit trailer value stands for (the jj id for `jj gerrit upload`'s form). */
export function gerritToChangeId(value: string): string {
  if (value.length === 41 && value.endsWith(JJ_SUFFIX)) return hexToJjId(value.slice(1, 33));
  return value;
}

/** The `Change-Id:` trailer of the message's last paragraph (the last one there), if any. */
export function gerritTrailer(message: string): string | undefined {
  const paragraphs = message
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const last = paragraphs[paragraphs.length - 1];
  // A one-paragraph message is a subject, never a footer (as Gerrit's commit-msg hook judges).
  if (last === undefined || paragraphs.length < 2) return undefined;
  let found: string | undefined;
  for (const line of last.split('\n')) {
    const m = GERRIT_LINE.exec(line.trim());
    if (m) found = m[1];
  }
  return found;
}

/** The change identity of a parsed commit's headers and message, or undefined when none. */
export function changeIdentityOf(
  headers: ReadonlyArray<readonly [string, string]>,
  message: string,
): ChangeIdentity | undefined {
  const trailer = gerritTrailer(message);
  if (trailer !== undefined) return { changeId: gerritToChangeId(trailer), source: 'trailer' };
  const header = headers.find(([k]) => k === 'change-id');
  if (header && JJ_ID.test(header[1])) return { changeId: header[1], source: 'header' };
  return undefined;
}

/** The change identity of a raw commit body; undefined for none or for bytes that do not parse. */
export function changeIdentityOfCommit(body: Uint8Array): ChangeIdentity | undefined {
  try {
    const { headers, message } = parseHeaders(fromUtf8(body));
    return changeIdentityOf(headers, message);
  } catch {
    return undefined;
  }
}

/** What to tell someone whose commit has no change id (printed by the push). */
export const HOW_TO_ADD_CHANGE_ID = [
  'push it with jj (`jj git push --change @`), which writes a change-id header, or add a Gerrit trailer:',
  '  git commit --amend --no-edit --trailer "Change-Id: I$(openssl rand -hex 20)"',
];
