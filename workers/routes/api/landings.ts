/**
 * Landing requests over the API, shaped like GitHub's pulls API: list (state filter, `Link`
 * pagination, counts in headers), create (from a branch or a change id), get, update (title,
 * body, draft, state, target), revisions, and the commits and files of a revision (the latest
 * unless `?revision=`), and the interdiff between two revisions (`?from=&to=`). Comments,
 * labels, assignees and reactions are the issue routes', under the same number. Authorisation is the issue rules' (services/issues/access.ts).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { publicOrigin } from '../../services/platform/public-url';
import { withExtras } from '../../services/issues/issues';
import {
  createLanding,
  landingOf,
  listLandings,
  objectsOf,
  revisionCommits,
  revisionFiles,
  revisionOf,
  revisionsOf,
  updateLanding,
  type LandingRow,
  type LandingScope,
} from '../../services/landings/landings';
import {
  createLandingInput,
  landingListQuery,
  updateLandingInput,
} from '../../services/landings/inputs';
import {
  landingCommitView,
  landingFileView,
  landingView,
  revisionView,
} from '../../services/landings/views';
import { latestRevisionOf } from '../../services/landings/page-data';
import { interdiffView, landingInterdiff } from '../../services/landings/revision-interdiff';
import { jsonInput, queryInput, queryNumber } from '../input';
import { bodiesHtml } from './issue-request';
import { pageOf, setLinkHeader } from './request';
import { landingNumber, landingScope } from './landing-request';

const revisionQuery = z.object({ revision: queryNumber('a revision number').optional() });
const interdiffQuery = z.object({
  from: queryNumber('a revision number').optional(),
  to: queryNumber('a revision number').optional(),
});

async function views(c: Context<AppEnv>, s: LandingScope, rows: LandingRow[]) {
  const extras = await withExtras(s.db, s.repo.id, rows);
  const html = await bodiesHtml(
    c,
    s,
    rows.map((r) => r.body),
  );
  const out = [];
  for (const [k, l] of rows.entries()) {
    const x = extras[k]?.extras ?? { labels: [], assignees: [], milestone: undefined };
    const latest = await latestRevisionOf(s, l);
    out.push(landingView(l, { ...x, bodyHtml: html[k] }, latest, publicOrigin(c.env), s.repo));
  }
  return out;
}

async function one(c: Context<AppEnv>, s: LandingScope, number: number) {
  const [v] = await views(c, s, [await landingOf(s, number)]);
  return v;
}

export const landingRoutes = new Hono<AppEnv>()
  .get('/repos/:owner/:repo/landings', async (c) => {
    const s = await landingScope(c);
    const page = pageOf(c);
    const { state } = queryInput(c, landingListQuery.passthrough());
    const list = await listLandings(s, state, page);
    setLinkHeader(c, page, list.total);
    c.header('X-Open-Count', String(list.counts.open));
    c.header('X-Closed-Count', String(list.counts.closed));
    c.header('X-Landed-Count', String(list.counts.landed));
    return c.json(await views(c, s, list.items));
  })
  .post('/repos/:owner/:repo/landings', async (c) => {
    const s = await landingScope(c);
    const landing = await createLanding(s, await jsonInput(c, createLandingInput));
    c.header(
      'Location',
      `${publicOrigin(c.env)}/api/v1/repos/${s.repo.owner_login}/${s.repo.name}/landings/${landing.number}`,
    );
    return c.json(await one(c, s, landing.number), 201);
  })
  .get('/repos/:owner/:repo/landings/:number{[0-9]+}', async (c) => {
    const s = await landingScope(c);
    return c.json(await one(c, s, landingNumber(c)));
  })
  .patch('/repos/:owner/:repo/landings/:number{[0-9]+}', async (c) => {
    const s = await landingScope(c);
    const input = await jsonInput(c, updateLandingInput);
    const landing = await updateLanding(s, landingNumber(c), input);
    return c.json(await one(c, s, landing.number));
  })
  .get('/repos/:owner/:repo/landings/:number{[0-9]+}/revisions', async (c) => {
    const s = await landingScope(c);
    const number = landingNumber(c);
    return c.json((await revisionsOf(s, number)).map((r) => revisionView(r, number)));
  })
  .get('/repos/:owner/:repo/landings/:number{[0-9]+}/commits', async (c) => {
    const s = await landingScope(c);
    const q = queryInput(c, revisionQuery.passthrough());
    const { revision } = await revisionOf(s, landingNumber(c), q.revision);
    const { objects } = await objectsOf(s);
    const commits = await revisionCommits(objects, revision);
    return c.json(
      commits.map((x) => landingCommitView(x.oid, x.commit, publicOrigin(c.env), s.repo)),
    );
  })
  .get('/repos/:owner/:repo/landings/:number{[0-9]+}/files', async (c) => {
    const s = await landingScope(c);
    const q = queryInput(c, revisionQuery.passthrough());
    const { revision } = await revisionOf(s, landingNumber(c), q.revision);
    const { objects } = await objectsOf(s);
    const diff = await revisionFiles(objects, revision);
    return c.json(diff.files.map(landingFileView));
  })
  .get('/repos/:owner/:repo/landings/:number{[0-9]+}/interdiff', async (c) => {
    const s = await landingScope(c);
    const q = queryInput(c, interdiffQuery.passthrough());
    return c.json(interdiffView(await landingInterdiff(s, landingNumber(c), q.from, q.to)));
  });
