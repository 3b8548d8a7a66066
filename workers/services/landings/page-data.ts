/** Small reads the landing API and pages share. */
import { latestRevisions, type LandingRow, type RevisionRow } from '../../../db/queries/landings';
import type { RepoScope } from '../issues/access';

/** The landing's latest revision (undefined only for a landing whose first push failed). */
export async function latestRevisionOf(
  s: RepoScope,
  l: LandingRow,
): Promise<RevisionRow | undefined> {
  return (await latestRevisions(s.db, [l.id])).get(l.id);
}
