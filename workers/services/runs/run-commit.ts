/**
 * The head commit of a run as its page shows it: the first line of the commit's message. A run
 * may name a commit the repository no longer holds (or, for runs made through the internal API,
 * never held), so a commit that cannot be read is simply not described.
 */
import type { RepoRow } from '../../../db/queries/repositories';
import type { Env } from '../../env';
import { openBrowseRepo } from '../browse/repo';
import { orAbsent, readCommit } from '../browse/objects';

/** The subject line of `sha` in `repo`, or undefined when the commit cannot be read. */
export async function commitSubject(
  env: Env,
  repo: RepoRow,
  sha: string,
): Promise<string | undefined> {
  try {
    const browse = await openBrowseRepo(env, repo);
    const commit = await orAbsent(readCommit(browse.reader, sha));
    const subject = commit?.message.split('\n', 1)[0]?.trim();
    return subject ? subject.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
