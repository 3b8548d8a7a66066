/**
 * Issue search on 100,000 issues in one repository (`npm run bench -- issues`): seeds the
 * issues (with labels, assignees, mentions and milestones) in one statement each, then times
 * the issue service's search after authorisation (services/issues/search.ts: qualifier parsing,
 * the filtered page, counts per state and the page's labels/assignees) against a hand-written PostgreSQL query for the same page and
 * counts through the same driver, as the baseline. Database: embedded PGlite, or a scratch
 * database on the server at DATABASE_URL. `PLUE_BENCH_QUICK=1` seeds 10,000.
 */
import ws from 'ws';
import { createDb, type Db } from '../db/client';
import { startLocalDatabase } from '../db/local-server/index';
import { insertRepo } from '../db/queries/repositories';
import { createUserWithWallet } from '../db/queries/users';
import { runMigrations } from '../scripts/stack';
import { scratchDatabase } from '../scripts/clients/scratch-database';
import { searchRepoIssues } from '../workers/services/issues/search';
import { median, timed } from './lib/measure';

const COUNT = process.env.PLUE_BENCH_QUICK ? 10_000 : 100_000;
const RUNS = 15;

const WORDS = `parser crash clone push fetch pack index delta tree blob commit branch merge rebase
  workflow runner sandbox agent token session wallet ssh http cache edge timeout memory leak
  panic slow flaky docs typo button page layout dark mode search label milestone`.split(/\s+/);

/** Seeds `COUNT` issues in one repository; returns its id and some logins to filter by. */
export async function seed(db: Db): Promise<{ repoId: string }> {
  const owner = await createUserWithWallet(db, 'bench-owner', '0x' + 'b'.repeat(40));
  const other = await createUserWithWallet(db, 'bench-dev', '0x' + 'c'.repeat(40));
  const repo = await insertRepo(db, {
    ownerId: owner.id,
    name: 'big',
    description: '',
    private: false,
    defaultBranch: 'main',
  });
  if (!repo) throw new Error('repository not created');
  await db.query(`SELECT setseed(0.42)`);
  await db.query(
    `INSERT INTO milestones (repo_id, number, title) VALUES ($1, 1, 'v1'), ($1, 2, 'v2')`,
    [repo.id],
  );
  // Titles and bodies from a small vocabulary; 40% closed; creation spread over two years.
  await db.query(
    `INSERT INTO issues (repo_id, number, author_id, title, body, state, state_reason,
       milestone_id, comments_count, created_at, updated_at, closed_at)
     SELECT $1, n, CASE WHEN n % 3 = 0 THEN $3::bigint ELSE $2::bigint END,
       initcap(w[1 + (n * 7) % cardinality(w)]) || ' ' || w[1 + (n * 13) % cardinality(w)] || ' ' ||
         w[1 + (n * 31) % cardinality(w)] || ' #' || n,
       'When I ' || w[1 + (n * 17) % cardinality(w)] || ' the ' || w[1 + (n * 19) % cardinality(w)] ||
         ' it ' || w[1 + (n * 23) % cardinality(w)] || '. ' || repeat('Details follow. ', 1 + n % 5),
       CASE WHEN n % 5 < 2 THEN 'closed' ELSE 'open' END,
       CASE WHEN n % 5 < 2 THEN 'completed' END,
       (SELECT id FROM milestones WHERE repo_id = $1 AND number = 1 + n % 2 AND n % 7 = 0),
       n % 11, now() - (($4 - n) || ' minutes')::interval * 10, now() - (n % 1000 || ' minutes')::interval,
       CASE WHEN n % 5 < 2 THEN now() END
     FROM generate_series(1, $4::int) AS n, (SELECT $5::text[] AS w) AS v`,
    [repo.id, owner.id, other.id, COUNT, WORDS],
  );
  await db.query(`UPDATE repositories SET next_number = $2 + 1 WHERE id = $1`, [repo.id, COUNT]);
  // Labels: bug on every 4th, enhancement on every 6th, wontfix on every 10th.
  await db.query(
    `INSERT INTO issue_labels (issue_id, label_id)
     SELECT i.id, l.id FROM issues i JOIN labels l ON l.repo_id = i.repo_id
      WHERE i.repo_id = $1 AND ((l.name = 'bug' AND i.number % 4 = 0)
        OR (l.name = 'enhancement' AND i.number % 6 = 0) OR (l.name = 'wontfix' AND i.number % 10 = 0))`,
    [repo.id],
  );
  await db.query(
    `INSERT INTO issue_assignees (issue_id, user_id)
     SELECT id, $2 FROM issues WHERE repo_id = $1 AND number % 9 = 0`,
    [repo.id, other.id],
  );
  await db.query(
    `INSERT INTO issue_mentions (issue_id, user_id)
     SELECT id, $2 FROM issues WHERE repo_id = $1 AND number % 13 = 0`,
    [repo.id, owner.id],
  );
  // As autovacuum would have by now: statistics, and the visibility map index-only scans use.
  await db.query(`VACUUM ANALYZE`);
  return { repoId: repo.id };
}

interface Case {
  query: string;
  /** The same page and counts written by hand: WHERE clause after the repository and state. */
  where: string;
  state: 'open' | 'closed' | undefined;
  order: string;
}

const CASES: Case[] = [
  { query: 'is:open', where: '', state: 'open', order: 'i.created_at DESC, i.id DESC' },
  {
    query: 'is:open label:bug',
    where: `AND EXISTS (SELECT 1 FROM issue_labels il JOIN labels l ON l.id = il.label_id
      WHERE il.issue_id = i.id AND l.name = 'bug')`,
    state: 'open',
    order: 'i.created_at DESC, i.id DESC',
  },
  {
    query: 'is:open crash or panic',
    where: `AND i.search @@ websearch_to_tsquery('english', 'crash or panic')`,
    state: 'open',
    order: 'i.created_at DESC, i.id DESC',
  },
  {
    query: 'is:closed author:bench-dev sort:updated-desc',
    where: `AND i.author_id = (SELECT id FROM users WHERE username = 'bench-dev')`,
    state: 'closed',
    order: 'i.updated_at DESC, i.id DESC',
  },
  {
    query: '-label:wontfix no:assignee milestone:v1 leak',
    where: `AND NOT EXISTS (SELECT 1 FROM issue_labels il JOIN labels l ON l.id = il.label_id
      WHERE il.issue_id = i.id AND l.name = 'wontfix')
      AND NOT EXISTS (SELECT 1 FROM issue_assignees a WHERE a.issue_id = i.id)
      AND i.milestone_id = (SELECT id FROM milestones m WHERE m.repo_id = i.repo_id AND m.title = 'v1')
      AND i.search @@ websearch_to_tsquery('english', 'leak')`,
    state: undefined,
    order: 'i.created_at DESC, i.id DESC',
  },
  {
    query: 'mentions:bench-owner sort:comments-desc',
    where: `AND EXISTS (SELECT 1 FROM issue_mentions m WHERE m.issue_id = i.id
      AND m.user_id = (SELECT id FROM users WHERE username = 'bench-owner'))`,
    state: undefined,
    order: 'i.comments_count DESC, i.id DESC',
  },
];

/** The baseline: the page and the per-state counts, written directly. */
async function direct(db: Db, repoId: string, c: Case): Promise<number> {
  const state = c.state ? `AND i.state = '${c.state}'` : '';
  const rows = await db.query(
    `SELECT i.id, i.number, i.title, i.state, i.created_at FROM issues i
      WHERE i.repo_id = $1 ${state} ${c.where} ORDER BY ${c.order} LIMIT 30`,
    [repoId],
  );
  await db.query(
    `SELECT i.state, count(*) FROM issues i WHERE i.repo_id = $1 ${c.where} GROUP BY i.state`,
    [repoId],
  );
  return rows.length;
}

export async function run(): Promise<void> {
  const server = process.env.DATABASE_URL;
  const scratch = server ? await scratchDatabase(server) : undefined;
  const local = await startLocalDatabase({ databaseUrl: scratch?.url });
  const open = () =>
    createDb({ databaseUrl: local.databaseUrl, wsProxy: local.wsProxy, webSocketConstructor: ws });
  const db = open();
  try {
    await runMigrations(local);
    const seeded = await timed(() => seed(db));
    console.log(
      `\n## issue search on ${COUNT.toLocaleString('en')} issues in one repository ` +
        `(database: ${server ? 'PostgreSQL at DATABASE_URL' : 'embedded PGlite'}; seeded in ` +
        `${(seeded.ms / 1000).toFixed(1)} s; median of ${RUNS} runs; baseline: the same page and ` +
        `counts as hand-written SQL through the same driver)`,
    );
    const repoId = seeded.value.repoId;
    for (const c of CASES) {
      const plue: number[] = [];
      const base: number[] = [];
      let found = 0;
      let baseFound = 0;
      for (let k = 0; k < RUNS + 2; k++) {
        const p = await timed(() =>
          searchRepoIssues(db, repoId, c.query, { page: 1, perPage: 30 }),
        );
        const b = await timed(() => direct(db, repoId, c));
        if (k < 2) continue; // warm-up
        plue.push(p.ms);
        base.push(b.ms);
        found = p.value.items.length;
        baseFound = b.value;
      }
      if (found !== baseFound)
        throw new Error(`${c.query}: ${found} results, baseline ${baseFound}`);
      const pm = median(plue);
      const bm = median(base);
      console.log(
        `${c.query.padEnd(46)} plue ${pm.toFixed(1).padStart(7)} ms   baseline ${bm.toFixed(1).padStart(7)} ms   ratio ${(pm / bm).toFixed(2)}×  (${found} on the page)`,
      );
    }
  } finally {
    await db.end();
    await local.close();
    await scratch?.drop();
  }
}
