/**
 * A receive-pack request written directly (no git client): ref commands that create branches at
 * commits the server already has, and the empty pack git sends with them. It times the server's
 * own share of a many-refs push, which the git client hides: git's `send-pack --stateless-rpc`
 * matches each of its N refspecs against the N local refs, so over HTTP its own time grows with
 * N² whichever server answers (bench/many-refs.ts prints both).
 */
import { createHash } from 'node:crypto';
import { encodePktLine, FLUSH_PKT } from '../../common/git/pkt-line';

const ZERO = '0'.repeat(40);

/** git's empty pack: header with no objects and its SHA-1 trailer. */
function emptyPack(): Uint8Array {
  const header = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0]);
  return Buffer.concat([header, createHash('sha1').update(header).digest()]);
}

/** POSTs one receive-pack request creating `refs` (name → oid); returns how many reported ok. */
export async function rawCreateRefs(
  repoUrl: string,
  refs: Array<[string, string]>,
  auth?: string,
): Promise<{ ms: number; ok: number; ng: string[] }> {
  const parts: Uint8Array[] = refs.map(([name, oid], i) =>
    encodePktLine(
      `${ZERO} ${oid} ${name}${i === 0 ? '\0report-status side-band-64k agent=plue-bench' : ''}\n`,
    ),
  );
  parts.push(FLUSH_PKT, emptyPack());
  const headers: Record<string, string> = {
    'content-type': 'application/x-git-receive-pack-request',
    accept: 'application/x-git-receive-pack-result',
  };
  if (auth) headers.authorization = `Basic ${Buffer.from(`x:${auth}`).toString('base64')}`;
  const t0 = performance.now();
  const res = await fetch(`${repoUrl}/git-receive-pack`, {
    method: 'POST',
    headers,
    body: Buffer.concat(parts),
  });
  const body = new Uint8Array(await res.arrayBuffer());
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`receive-pack answered ${res.status}`);
  const report = sideBandOne(body);
  const lines = report.split('\n');
  return {
    ms,
    ok: lines.filter((l) => l.startsWith('ok refs/')).length,
    ng: lines.filter((l) => l.startsWith('ng ')).slice(0, 5),
  };
}

/** Band 1 of a side-band-64k response, its pkt-lines joined as text. */
function sideBandOne(body: Uint8Array): string {
  const band: Uint8Array[] = [];
  for (let at = 0; at + 4 <= body.length;) {
    const len = parseInt(Buffer.from(body.subarray(at, at + 4)).toString(), 16);
    if (len === 0) {
      at += 4;
      continue;
    }
    if (body[at + 4] === 1) band.push(body.subarray(at + 5, at + len));
    at += len;
  }
  return inner(Buffer.concat(band));
}

/** The pkt-lines inside band 1, as text. */
function inner(bytes: Uint8Array): string {
  let text = '';
  for (let at = 0; at + 4 <= bytes.length;) {
    const len = parseInt(Buffer.from(bytes.subarray(at, at + 4)).toString(), 16);
    if (len === 0) {
      at += 4;
      continue;
    }
    text += Buffer.from(bytes.subarray(at + 4, at + len)).toString();
    at += len;
  }
  return text;
}
