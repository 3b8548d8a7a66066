/** Request helpers shared by the issue API routes: the repository scope and path numbers. */
import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { repoScope, type RepoScope } from '../../services/issues/access';
import { renderIssueTexts, repoCommits } from '../../services/issues/render';
import { actorOf } from './request';

/** The scope of `/repos/:owner/:repo/…` for this request (404 when the actor cannot read it). */
export function scopeOf(c: Context<AppEnv>, owner?: string, repo?: string): Promise<RepoScope> {
  return repoScope(
    c.var.db,
    actorOf(c),
    owner ?? c.req.param('owner') ?? '',
    repo ?? c.req.param('repo') ?? '',
    new Date(),
  );
}

/** A whole number in the path (an issue or milestone number); anything else is 404. */
export function pathNumber(c: Context<AppEnv>, name: string): number {
  const raw = c.req.param(name) ?? '';
  if (!/^\d{1,9}$/.test(raw)) throw AppError.notFound('Issue not found', 'issue_not_found');
  return Number(raw);
}

/** Whether the client asked for rendered HTML (GitHub's `html`/`full` media types). */
export function wantsHtml(c: Context<AppEnv>): boolean {
  return /vnd\.github(\.v3)?\.(html|full)/.test(c.req.header('Accept') ?? '');
}

/** Rendered bodies when the client asked for them (one batch), else undefined entries. */
export async function bodiesHtml(
  c: Context<AppEnv>,
  s: RepoScope,
  bodies: string[],
): Promise<Array<string | undefined>> {
  if (!wantsHtml(c)) return bodies.map(() => undefined);
  return renderIssueTexts(s.db, s.actor, s.repo, bodies, repoCommits(c.env, s.repo));
}
