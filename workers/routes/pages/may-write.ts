/** Whether the viewer of a page may write to its repository: pages show write buttons only then. */
import type { Context } from 'hono';
import type { RepoRow } from '../../services/repos/repo-lookup';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { authorize } from '../../services/repos/authz';
import { actorOf } from '../api/request';

/** True when `authorize(…, 'write', repo)` would pass for this request's actor. */
export async function mayWrite(c: Context<AppEnv>, repo: RepoRow): Promise<boolean> {
  if (!c.var.user) return false;
  try {
    await authorize(c.var.db, actorOf(c), 'write', repo);
    return true;
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
}
