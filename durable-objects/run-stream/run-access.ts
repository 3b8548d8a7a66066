/**
 * Who watches a run, and whether they still may. The Worker authorises every viewer before it
 * reaches the RunStream and hands the viewer's identity along (`X-Plue-Viewer`, set by the
 * Worker, never taken from the client); when access to the run's repository changes, the Worker
 * sends the repository's new read policy and the RunStream closes every viewer it no longer
 * covers. Pure: no I/O.
 */

/** The request header that carries a viewer's identity from the Worker to the RunStream. */
export const RUN_VIEWER_HEADER = 'X-Plue-Viewer';

export interface ViewerIdentity {
  /** user id, or null for an anonymous viewer */
  u: string | null;
  /** whether the viewer's credentials carry the repo:read scope (needed for private reads) */
  s: boolean;
}

/** Who may read the repository now: everyone (public), or these users with repo:read. */
export interface ViewerPolicy {
  public: boolean;
  readers: string[];
}

/** Nobody: what a viewer without a (valid) identity is treated as, and a deleted repository. */
export const NOBODY: ViewerIdentity = { u: null, s: false };

/** Whether `who` may keep watching under `policy`. */
export function mayView(who: ViewerIdentity, policy: ViewerPolicy): boolean {
  if (policy.public) return true;
  return who.u !== null && who.s && policy.readers.includes(who.u);
}

/** Encodes an identity for the header. */
export function writeViewerIdentity(who: ViewerIdentity): string {
  return JSON.stringify({ u: who.u, s: who.s });
}

/** Decodes the header; anything malformed or absent is `NOBODY` (it can only lose access). */
export function parseViewerIdentity(text: string | null | undefined): ViewerIdentity {
  if (text === null || text === undefined || text.length > 200) return NOBODY;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return NOBODY;
  }
  if (typeof v !== 'object' || v === null) return NOBODY;
  const { u, s } = v as { u?: unknown; s?: unknown };
  if (typeof s !== 'boolean') return NOBODY;
  if (u === null) return { u: null, s };
  if (typeof u !== 'string' || !/^[0-9]{1,20}$/.test(u)) return NOBODY;
  return { u, s };
}

/** Reads an identity kept in a WebSocket attachment (same shape, same checks). */
export function identityOf(value: unknown): ViewerIdentity {
  if (typeof value !== 'object' || value === null) return NOBODY;
  return parseViewerIdentity(JSON.stringify(value));
}
