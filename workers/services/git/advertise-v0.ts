/**
 * The upload-pack ref advertisement of protocol v0/v1 (gitprotocol-pack "Reference Discovery"),
 * as git's upload-pack writes it: HEAD first when it names a commit, then every ref, each
 * annotated tag followed by its peeled `^{}` line, capabilities after a NUL on the first line
 * (`capabilities^{}` with the zero id for an empty repository), then a flush. Over smart HTTP it
 * is preceded by `# service=git-upload-pack` and a flush; v1 puts `version 1` before the refs.
 */
import { concatBytes } from '../../../common/git/bytes';
import { encodePktLine, FLUSH_PKT } from '../../../common/git/pkt-line';
import { ZERO_OID, isServableRefName } from '../../../common/git/refs';
import type { RepoState } from '../../../durable-objects/formats';

/** What upload-pack v0/v1 serves, in git's order (symref, no-done, agent are added per answer). */
export const UPLOAD_PACK_V0_CAPABILITIES = [
  'multi_ack',
  'thin-pack',
  'side-band',
  'side-band-64k',
  'ofs-delta',
  'shallow',
  'deepen-since',
  'deepen-not',
  'deepen-relative',
  'no-progress',
  'include-tag',
  'multi_ack_detailed',
  'allow-tip-sha1-in-want',
  'allow-reachable-sha1-in-want',
] as const;

export interface V0AdvertisementOptions {
  agent: string;
  /** Smart HTTP: the `# service=git-upload-pack` preamble. */
  http: boolean;
  /**
   * Offer `no-done`: git does only to stateless (HTTP) clients, whose requests each stand alone;
   * a stateful (SSH) client never uses it.
   */
  noDone: boolean;
  /** The client asked for protocol v1 (`version=1`): answer with `version 1` first. */
  version1: boolean;
}

/** Writes the advertisement; `peeled` maps an annotated tag's oid to what it finally names. */
export function writeUploadPackAdvertisement(
  state: Pick<RepoState, 'head' | 'refs'>,
  peeled: ReadonlyMap<string, string>,
  opts: V0AdvertisementOptions,
): Uint8Array {
  const headOid = state.refs.find((r) => r.name === state.head)?.oid;
  const caps = [
    ...UPLOAD_PACK_V0_CAPABILITIES,
    ...(opts.noDone ? ['no-done'] : []),
    ...(headOid ? [`symref=HEAD:${state.head}`] : []),
    'filter',
    'object-format=sha1',
    `agent=${opts.agent}`,
  ].join(' ');
  const lines: Uint8Array[] = [];
  if (opts.http) lines.push(encodePktLine('# service=git-upload-pack\n'), FLUSH_PKT);
  if (opts.version1) lines.push(encodePktLine('version 1\n'));
  const refs = [
    ...(headOid ? [{ name: 'HEAD', oid: headOid }] : []),
    // A ref stored before names were checked may not fit a pkt-line or a client's file system.
    ...state.refs
      .filter((r) => isServableRefName(r.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  ];
  if (refs.length === 0) lines.push(encodePktLine(`${ZERO_OID} capabilities^{}\0${caps}\n`));
  refs.forEach((r, i) => {
    lines.push(encodePktLine(i === 0 ? `${r.oid} ${r.name}\0${caps}\n` : `${r.oid} ${r.name}\n`));
    const target = r.name.startsWith('refs/tags/') ? peeled.get(r.oid) : undefined;
    if (target) lines.push(encodePktLine(`${target} ${r.name}^{}\n`));
  });
  lines.push(FLUSH_PKT);
  return concatBytes(lines);
}
