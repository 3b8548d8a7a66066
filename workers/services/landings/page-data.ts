/**
 * What the landing pages and the API read beyond the landing row: the latest revision, and for
 * the landing page the selected revision's commits, its files (only when that view is shown)
 * the checks (commit statuses) of its head, and its whole stack (stack-view.ts).
 */
import { latestRevisions, type LandingRow, type RevisionRow } from '../../../db/queries/landings';
import type { StatusRow, StatusState } from '../../../db/queries/commit-statuses';
import { commitInfo, type CommitInfo } from '../browse/data-tree';
import type { TreeDiff } from '../browse/diff/file-diff';
import type { RepoScope } from '../issues/access';
import { commitStatusesForViewer } from '../repos/statuses';
import {
  objectsOf,
  revisionCommits,
  revisionFiles,
  revisionOf,
  type LandingScope,
} from './landings';
import { stackOf, type StackEntry } from './stack-view';

/** The landing's latest revision (undefined only for a landing whose first push failed). */
export async function latestRevisionOf(
  s: RepoScope,
  l: LandingRow,
): Promise<RevisionRow | undefined> {
  return (await latestRevisions(s.db, [l.id])).get(l.id);
}

export interface LandingPageData {
  landing: LandingRow;
  revisions: RevisionRow[];
  revision: RevisionRow;
  commits: CommitInfo[];
  diff: TreeDiff | undefined;
  statuses: { state: StatusState; latest: StatusRow[] };
  /** The landing's whole stack, bottom first (itself alone when it is in none). */
  stack: StackEntry[];
}

/** Revision `rev` (the latest when undefined) of landing `number`, as its page shows it. */
export async function landingPageData(
  s: LandingScope,
  number: number,
  rev: number | undefined,
  withFiles: boolean,
): Promise<LandingPageData> {
  const { landing, revision, revisions } = await revisionOf(s, number, rev);
  const { objects } = await objectsOf(s);
  const commits = (await revisionCommits(objects, revision)).map((c) =>
    commitInfo(c.oid, c.commit),
  );
  const diff = withFiles ? await revisionFiles(objects, revision) : undefined;
  const found = await commitStatusesForViewer(
    s.db,
    s.actor,
    s.repo.owner_login,
    s.repo.name,
    revision.head_oid,
  );
  const latest = revisions[revisions.length - 1] ?? revision;
  const stack = await stackOf(s.db, s.repo.id, landing.target_branch, {
    number: landing.number,
    title: landing.title,
    landing_state: landing.landing_state,
    draft: landing.draft,
    change_id: landing.change_id,
    parent_change_id: latest.parent_change_id,
  });
  return {
    landing,
    revisions,
    revision,
    commits,
    diff,
    statuses: { state: found.state, latest: found.latest },
    stack,
  };
}
