/**
 * Capability and ref advertisements for `GET info/refs`: protocol v2 for upload-pack (fetch),
 * v0 for receive-pack (git pushes with v0 even when it fetches with v2). The v0/v1 upload-pack
 * advertisement is advertise-v0.ts's.
 */
import { encodePktLine, FLUSH_PKT, MAX_PKT_LENGTH } from '../../../common/git/pkt-line';
import { ZERO_OID } from '../../../common/git/refs';
import { concatBytes, utf8 } from '../../../common/git/bytes';
import type { RepoState } from '../../../durable-objects/formats';
import { RECEIVE_CAPABILITIES } from './receive-pack';

/** The v2 capability advertisement for upload-pack. */
export function advertiseUploadPackV2(agent: string): Uint8Array {
  return concatBytes([
    encodePktLine('version 2\n'),
    encodePktLine(`agent=${agent}\n`),
    encodePktLine('ls-refs=unborn\n'),
    encodePktLine('fetch=shallow filter\n'),
    encodePktLine('object-format=sha1\n'),
    FLUSH_PKT,
  ]);
}

/**
 * The v0 ref advertisement for receive-pack, capabilities on the first line. It lists every
 * stored ref, names stored before push checked them included (so `git push --delete` can remove
 * them), and skips only a ref whose line cannot fit in a pkt-line; the capabilities ride on the
 * first ref line that fits them, so one long name cannot break every later push.
 */
export function advertiseReceivePack(state: Pick<RepoState, 'refs'>, agent: string): Uint8Array {
  const caps = [...RECEIVE_CAPABILITIES, `agent=${agent}`].join(' ');
  const lines: Uint8Array[] = [encodePktLine('# service=git-receive-pack\n'), FLUSH_PKT];
  const fits = (line: string) => utf8(line).length + 4 <= MAX_PKT_LENGTH;
  const refLines: string[] = [];
  let capsSent = false;
  for (const r of state.refs) {
    const withCaps = `${r.oid} ${r.name}\0${caps}\n`;
    if (!capsSent && fits(withCaps)) {
      // git reads capabilities from the first line only.
      refLines.unshift(withCaps);
      capsSent = true;
      continue;
    }
    const plain = `${r.oid} ${r.name}\n`;
    if (fits(plain)) refLines.push(plain);
  }
  if (!capsSent) refLines.unshift(`${ZERO_OID} capabilities^{}\0${caps}\n`);
  for (const l of refLines) lines.push(encodePktLine(l));
  lines.push(FLUSH_PKT);
  return concatBytes(lines);
}
