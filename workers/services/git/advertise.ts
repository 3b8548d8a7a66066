/**
 * Capability and ref advertisements for `GET info/refs`: protocol v2 for upload-pack (fetch),
 * v0 for receive-pack (git pushes with v0 even when it fetches with v2). The v0/v1 upload-pack
 * advertisement is advertise-v0.ts's.
 */
import { encodePktLine, FLUSH_PKT } from '../../git/model/pkt-line';
import { ZERO_OID } from '../../git/model/refs';
import { concatBytes } from '../../git/model/bytes';
import type { RepoState } from '../../../durable-objects/repo-refs';
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

/** The v0 ref advertisement for receive-pack, capabilities on the first line. */
export function advertiseReceivePack(state: RepoState, agent: string): Uint8Array {
  const caps = [...RECEIVE_CAPABILITIES, `agent=${agent}`].join(' ');
  const lines: Uint8Array[] = [encodePktLine('# service=git-receive-pack\n'), FLUSH_PKT];
  if (state.refs.length === 0) {
    lines.push(encodePktLine(`${ZERO_OID} capabilities^{}\0${caps}\n`));
  } else {
    state.refs.forEach((r, i) => {
      lines.push(encodePktLine(i === 0 ? `${r.oid} ${r.name}\0${caps}\n` : `${r.oid} ${r.name}\n`));
    });
  }
  lines.push(FLUSH_PKT);
  return concatBytes(lines);
}
