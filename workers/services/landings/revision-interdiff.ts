/**
 * The interdiff between two revisions of a landing, for its Files view (`?from=&to=`) and the
 * API (`GET …/landings/{n}/interdiff`): what the author changed from revision A to revision B
 * with the move of the base factored out (engine/interdiff.ts rebases A onto B's base in memory
 * first), whole and commit by commit. Read access, as for the landing.
 */
import type { RevisionRow } from '../../../db/queries/landings';
import { formatPatch } from '../browse/diff/hunks';
import { interdiffRevisions, type InterdiffFile, type RevisionInterdiff } from './engine/interdiff';
import { objectsOf, revisionOf, type LandingRow, type LandingScope } from './landings';

export interface LandingInterdiff {
  landing: LandingRow;
  revisions: RevisionRow[];
  from: RevisionRow;
  to: RevisionRow;
  interdiff: RevisionInterdiff;
}

/**
 * Interdiff of landing `number` from revision `from` to revision `to` (the latest when
 * undefined; `from` defaults to the one before `to`). 404 for a revision that does not exist.
 */
export async function landingInterdiff(
  s: LandingScope,
  number: number,
  from: number | undefined,
  to: number | undefined,
): Promise<LandingInterdiff> {
  const b = await revisionOf(s, number, to);
  const a = await revisionOf(s, number, from ?? Math.max(1, b.revision.number - 1));
  const { objects } = await objectsOf(s);
  const interdiff = await interdiffRevisions(
    objects,
    { head: a.revision.head_oid, base: a.revision.base_oid },
    { head: b.revision.head_oid, base: b.revision.base_oid },
  );
  return {
    landing: b.landing,
    revisions: b.revisions,
    from: a.revision,
    to: b.revision,
    interdiff,
  };
}

function interdiffFileView(f: InterdiffFile) {
  return {
    filename: f.path,
    status: f.status,
    ...(f.previousPath !== undefined ? { previous_filename: f.previousPath } : {}),
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    ...(f.hunks ? { patch: formatPatch(f.hunks) } : {}),
    ...(f.binary ? { binary: true } : {}),
    rebase_conflict: f.rebaseConflict ?? null,
    // 1-based indexes of hunks that touch a region where rebasing the old side conflicted.
    conflicted_hunks: (f.hunks ?? []).flatMap((h, i) => (h.fromRebaseConflict ? [i + 1] : [])),
  };
}

/** The API's JSON for an interdiff. */
export function interdiffView(x: LandingInterdiff) {
  const rev = (r: RevisionRow) => ({
    number: r.number,
    head_sha: r.head_oid,
    base_sha: r.base_oid,
  });
  const { whole, commits } = x.interdiff;
  return {
    from: rev(x.from),
    to: rev(x.to),
    rebased: whole.rebased,
    empty: whole.empty,
    truncated: whole.truncated,
    conflicts: whole.conflicts.map((c) => ({ path: c.path, kind: c.kind })),
    files: whole.files.map(interdiffFileView),
    commits: commits.map((c) => ({
      old_sha: c.old ?? null,
      new_sha: c.new ?? null,
      change_id: c.changeId ?? null,
      paired_by: c.by ?? null,
      verdict: c.verdict,
      message_changed: c.messageChanged ?? false,
      ...(c.diff ? { files: c.diff.files.map((f) => f.path) } : {}),
    })),
  };
}
