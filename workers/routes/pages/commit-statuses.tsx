/**
 * `GET /{owner}/{repo}/commit/{sha}/statuses`: the live HTML fragment of a commit's statuses that
 * the browse script loads into commit pages and the repository home (those pages are cached by
 * commit id, statuses change). Authorised like any read; never stored by any cache.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { commitStatusesForViewer } from '../../services/repos/statuses';
import { StatusesFragment } from '../../views/commit-statuses';
import { actorOf } from '../api/request';

export const commitStatusRoutes = new Hono<AppEnv>().get(
  '/:owner/:repo/commit/:sha/statuses',
  async (c) => {
    const { owner, repo, sha } = c.req.param();
    const found = await commitStatusesForViewer(c.var.db, actorOf(c), owner, repo, sha);
    c.header('Cache-Control', 'private, no-store');
    c.header('X-Robots-Tag', 'noindex');
    return c.html(<StatusesFragment state={found.state} latest={found.latest} />);
  },
);
