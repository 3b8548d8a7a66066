/** The runs pages: `/{owner}/{repo}/actions` (list) and `/{owner}/{repo}/actions/runs/{id}`. */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { loadRepoForAction } from '../../services/repos/authz';
import { commitSubject } from '../../services/runs/run-commit';
import { loadRunForViewer } from '../../services/runs/runs';
import { findRunRequest } from '../../services/runs/run-request';
import { runFilterOf } from '../../services/runs/runs-view';
import { runsOfRepo, stepsOfRun } from '../../services/runs/run-lists';
import { combinedStates } from '../../services/repos/statuses';
import { RunPage } from '../../views/run-page';
import { RunsListPage } from '../../views/runs-list-page';
import { actorOf, pageOf } from '../api/request';
import { mayWrite } from './may-write';

export const runPageRoutes = new Hono<AppEnv>()
  .get('/:owner/:repo/actions', async (c) => {
    const { owner, repo } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'read');
    const filter = runFilterOf((k) => c.req.query(k));
    const page = pageOf(c);
    const list = await runsOfRepo(c.var.db, row.id, filter, page);
    const requested = await findRunRequest(c.var.db, row.id, c.req.query('requested'));
    const states = await combinedStates(
      c.var.db,
      row.id,
      list.rows.map((r) => r.head_sha),
    );
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <RunsListPage
        user={c.var.user}
        repo={row}
        runs={list.rows}
        commitStates={states}
        total={list.total}
        page={page.page}
        perPage={page.perPage}
        filter={filter}
        requested={requested}
      />,
    );
  })
  .get('/:owner/:repo/actions/runs/:id', async (c) => {
    const { owner, repo, id } = c.req.param();
    const found = await loadRunForViewer(c.var.db, actorOf(c), owner, repo, id);
    const steps = await stepsOfRun(c.var.db, found.run.id);
    const canWrite = await mayWrite(c, found.repo);
    const subject = await commitSubject(c.env, found.repo, found.run.head_sha);
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <RunPage
        user={c.var.user}
        canWrite={canWrite}
        repo={found.repo}
        run={found.run}
        steps={steps}
        commitSubject={subject}
      />,
    );
  });
