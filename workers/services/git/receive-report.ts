/**
 * How receive-pack answers, so every refusal reaches the user as text git prints. A request
 * that cannot be read is refused with `ERR` only while no side-band was asked for; once the
 * client asked for side-band, an `ERR` pkt would read as "bad band #69", so the message goes on
 * band 3. Everything else is report-status: `unpack <status>` and `ok <ref>` / `ng <ref> <reason>`
 * (wrapped in band 1 with side-band), which git shows as "remote unpack failed: …" and
 * "[remote rejected] … (<reason>)".
 */
import { concatBytes, utf8 } from '../../../common/git/bytes';
import { encodePktLine, FLUSH_PKT, MAX_PKT_LENGTH } from '../../../common/git/pkt-line';
import type { GitResponseWriter } from './response-writer';

export interface RefReport {
  ref: string;
  ok: boolean;
  reason?: string;
  /**
   * The refs the command really updated, when they differ from the one named (a push to
   * `refs/for/main` creates `refs/landings/<n>/<revision>`): report-status-v2's `option` lines.
   */
  updated?: Array<{ refname: string; oldOid: string; newOid: string }>;
}

/** Refuses a whole request: band 3 when the client asked for side-band, else `ERR`. */
export async function writeRequestRefusal(
  out: GitResponseWriter,
  caps: ReadonlySet<string>,
  message: string,
): Promise<void> {
  if (caps.has('side-band-64k') || caps.has('side-band')) await out.fatal(message);
  else await out.line(`ERR ${message}`);
}

/**
 * Shows lines on band 2 (`remote: …`) when side-band is on. Like git's receive-pack warnings,
 * they are shown even to a `quiet` client (git asks for quiet whenever stderr is no terminal).
 */
export async function writeRemoteLines(
  out: GitResponseWriter,
  caps: ReadonlySet<string>,
  lines: readonly string[],
): Promise<void> {
  if (lines.length === 0) return;
  if (!caps.has('side-band-64k') && !caps.has('side-band')) return;
  for (const l of lines) await out.progress(`${l}\n`, true);
}

/** One report-status line, its reason shortened when the line would not fit in a pkt-line. */
function statusLine(prefix: string, rest: string): Uint8Array {
  const line = `${prefix}${rest}\n`;
  const max = MAX_PKT_LENGTH - 4;
  if (utf8(line).length <= max) return encodePktLine(line);
  // Only a reason can be cut (a ref name must stay whole for git to match it): keep the ref
  // and as much of the reason as fits.
  let cut = rest;
  while (cut.length > 0 && utf8(`${prefix}${cut}\n`).length > max)
    cut = cut.slice(
      0,
      Math.max(0, cut.length - Math.max(1, utf8(`${prefix}${cut}\n`).length - max)),
    );
  return encodePktLine(`${prefix}${cut}\n`);
}

/** `ok <ref>`, or with report-status-v2 one `ok` per updated ref with its `option` lines. */
function okLines(r: RefReport, v2: boolean): Uint8Array[] {
  if (!v2 || !r.updated || r.updated.length === 0) return [statusLine('ok ', r.ref)];
  return r.updated.flatMap((u) => [
    statusLine('ok ', r.ref),
    statusLine('option refname ', u.refname),
    statusLine('option old-oid ', u.oldOid),
    statusLine('option new-oid ', u.newOid),
  ]);
}

/** Writes report-status (in band 1 when `sideband`; `v2`: report-status-v2), then a flush. */
export async function writeReport(
  out: GitResponseWriter,
  sideband: boolean,
  unpackError: string | undefined,
  results: readonly RefReport[],
  v2 = false,
): Promise<void> {
  const pkts = [
    statusLine('unpack ', unpackError ?? 'ok'),
    ...results.flatMap((r) =>
      r.ok ? okLines(r, v2) : [statusLine(`ng ${r.ref} `, r.reason ?? 'failed')],
    ),
    FLUSH_PKT,
  ];
  if (!sideband) {
    for (const p of pkts) await out.write(p);
    return;
  }
  const report = concatBytes(pkts);
  for (let i = 0; i < report.length; i += 65515) await out.band(report.subarray(i, i + 65515));
  await out.flush();
}
