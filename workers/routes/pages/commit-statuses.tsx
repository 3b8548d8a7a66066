/**
 * `GET /{owner}/{repo}/commit/{sha}/statuses`: the live HTML fragment of a commit's statuses that
 * the browse script loads into commit pages and the repository home (those pages are cached by
 * commit id, statuses change). `GET /{owner}/{repo}/commit-states?sha=…&sha=…`: the combined state
 * of up to 100 commits as JSON, for the icons of commit lists. Authorised like any read; never
 * stored by any cache.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { loadRepoForAction } from '../../services/repos/authz';
import { combinedStates, commitStatusesForViewer } from '../../services/repos/statuses';
import { StatusesFragment } from '../../views/commit-statuses';
import { actorOf } from '../api/request';

const MAX_SHAS = 100;

export const commitStatusRoutes = new Hono<AppEnv>()
  .get('/:owner/:repo/commit/:sha/statuses', async (c) => {
    const { owner, repo, sha } = c.req.param();
    const found = await commitStatusesForViewer(c.var.db, actorOf(c), owner, repo, sha);
    c.header('Cache-Control', 'private, no-store');
    c.header('X-Robots-Tag', 'noindex');
    return c.html(<StatusesFragment state={found.state} latest={found.latest} />);
  })
  .get('/:owner/:repo/commit-states', async (c) => {
    const { owner, repo } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'read');
    const shas = (c.req.queries('sha') ?? []).map((s) => s.toLowerCase());
    if (shas.length > MAX_SHAS || shas.some((s) => !/^[0-9a-f]{40}$/.test(s))) {
      throw AppError.invalid(`sha takes up to ${MAX_SHAS} full commit ids`, 'sha_invalid');
    }
    const states = await combinedStates(c.var.db, row.id, shas);
    c.header('Cache-Control', 'private, no-store');
    c.header('X-Robots-Tag', 'noindex');
    return c.json({ states: Object.fromEntries(states) });
  });
