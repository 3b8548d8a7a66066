/**
 * Landing on the benchmark repository (`npm run bench -- landings`): a 20-commit stack with jj
 * change-id headers, written on a commit 30 commits behind `main`, is landed by rebase onto
 * `main` (the moved target) by the landing engine (planLand: readRange, one tree merge per
 * commit, rebased commits; objects read from the repository's packs through RepoObjects, as the
 * Worker reads them from R2, held in memory here; then the new objects written as a pack through
 * the push intake) against `git rebase` on the same data in a local clone (which also updates
 * its index and work tree, as a local rebase must; the Worker has none); then the
 * interdiff of two revisions of the stack (revision 2 on `main`, commit 10 amended) by
 * interdiffRevisions against `git range-diff`. Medians of 3, printed as ratios. The stack's files
 * are ones the target did not touch, so both tools land without conflicts.
 * `PLUE_BENCH_QUICK=1` uses the small repository (1,000 commits, 500 files).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryObjectStore } from '../workers/git/storage/object-store';
import { idxKeyOf } from '../workers/git/storage/pack-keys';
import { writeObjectsPack } from '../workers/git/storage/write-objects';
import { RepoObjects, type StoredPack } from '../workers/git/storage/repo-objects';
import { planLand } from '../workers/services/landings/engine/land-plan';
import { interdiffRevisions } from '../workers/services/landings/engine/interdiff';
import { median, report, run as sh, timed } from './lib/measure';
import { benchRepo, fullSize } from './lib/repo';

const STACK = 20;
const BEHIND = 30;
const RUNS = 3;
const LIMITS = { maxPackBytes: 1 << 30, maxObjectBytes: 100 << 20 };
const env = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Lovelace',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  GIT_AUTHOR_DATE: '1800000000 +0000',
  GIT_COMMITTER_DATE: '1800000000 +0000',
};

export async function run(): Promise<void> {
  const src = benchRepo(fullSize() ? {} : { commits: 1000, files: 500 });
  const dir = mkdtempSync(join(tmpdir(), 'plue-bench-landings-'));
  const work = join(dir, 'work');
  const git = (args: string[], input?: string) => gitIn(work, args, input);
  try {
    await sh('git', ['clone', '-q', src, work], { env });
    const base = (await git(['rev-parse', `main~${BEHIND}`])).trim();
    const target = (await git(['rev-parse', 'main'])).trim();
    const touched = new Set((await git(['diff', '--name-only', base, target])).split('\n'));
    const files = (await git(['ls-tree', '-r', '--name-only', base]))
      .split('\n')
      .filter((f) => f !== '' && !touched.has(f))
      .slice(0, STACK);
    const ids = Array.from({ length: STACK }, (_, i) => changeId(i));
    const rev1 = await makeStack(work, base, files, ids);
    const rev2 = await makeStack(work, target, files, ids, 10);
    await git(['branch', '-f', 'rev1', rev1]);
    await git(['branch', '-f', 'rev2', rev2]);
    await git(['repack', '-q', '-d']);
    console.log(
      `\n## landings (repository: ${src}; a ${STACK}-commit stack ${BEHIND} commits behind main)`,
    );

    const packs = await loadPacks(work);
    const committer = {
      name: 'Lander',
      email: 'lander@example.com',
      timestamp: 1800000000,
      tz: '+0000',
    };
    const plueRebase: number[] = [];
    const gitRebase: number[] = [];
    let landedTree = '';
    for (let i = 0; i < RUNS; i++) {
      const reader = await RepoObjects.open(packs.store, packs.list);
      // The land's object work: plan, then the new objects written as a pack through the push
      // intake (to memory here; the ref swap is one Durable Object call either way).
      const t = await timed(async () => {
        const plan = await planLand(reader, {
          targetTip: target,
          head: rev1,
          base,
          method: 'rebase',
          committer,
        });
        if (plan.ok) {
          const fresh = plan.objects.filter((o) => !reader.has(o.oid));
          await writeObjectsPack(packs.store, 'bench', fresh, LIMITS);
        }
        return plan;
      });
      if (!t.value.ok) throw new Error(`plue's rebase conflicted: ${JSON.stringify(t.value)}`);
      const tip = t.value.objects.find((o) => o.oid === (t.value.ok ? t.value.newTarget : ''));
      landedTree = new TextDecoder().decode(tip?.body.subarray(5, 45));
      plueRebase.push(t.ms);
      await git(['checkout', '-q', '-f', '-B', 'bench-rebase', rev1]);
      const g = await timed(() => git(['rebase', '-q', '--onto', target, base]));
      gitRebase.push(g.ms);
    }
    // Same tree as git's rebase (git drops the change ids, so the commit ids differ).
    const theirTree = (await git(['rev-parse', 'bench-rebase^{tree}'])).trim();
    if (landedTree !== theirTree) throw new Error(`rebase gave ${landedTree}, git ${theirTree}`);
    report(`rebase of ${STACK} commits (land)`, median(plueRebase), median(gitRebase), '≤ 1.0×');

    const plueInterdiff: number[] = [];
    const gitRangeDiff: number[] = [];
    let verdicts = '';
    for (let i = 0; i < RUNS; i++) {
      const r = await RepoObjects.open(packs.store, packs.list);
      const t = await timed(() =>
        interdiffRevisions(r, { head: rev1, base }, { head: rev2, base: target }),
      );
      verdicts = t.value.commits.map((c) => c.verdict[0]).join('');
      plueInterdiff.push(t.ms);
      const g = await timed(() =>
        git(['range-diff', '--no-color', `${base}..${rev1}`, `${target}..${rev2}`]),
      );
      gitRangeDiff.push(g.ms);
    }
    if (verdicts !== 'u'.repeat(10) + 'c' + 'u'.repeat(STACK - 11)) {
      throw new Error(`unexpected interdiff verdicts ${verdicts}`);
    }
    report('interdiff of two revisions', median(plueInterdiff), median(gitRangeDiff), '≤ 1.0×');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function gitIn(cwd: string, args: string[], input?: string): Promise<string> {
  if (input === undefined) return sh('git', args, { cwd, env });
  // hash-object reads the commit from a file (the runner has no stdin).
  const file = join(cwd, '..', `input-${process.hrtime.bigint()}`);
  writeFileSync(file, input);
  return sh('git', [...args, file], { cwd, env }).finally(() => rmSync(file, { force: true }));
}

/** A deterministic jj change id (32 letters k–z). */
function changeId(i: number): string {
  let s = '';
  for (let k = 0; k < 32; k++) s += String.fromCharCode(107 + ((i * 7 + k * 3) % 16));
  return s;
}

/**
 * Writes a stack on `onto`: commit i edits files[i] (its second line, plus a new last line),
 * carries change id ids[i]; commit `amend` edits its file differently.
 */
async function makeStack(
  work: string,
  onto: string,
  files: string[],
  ids: string[],
  amend?: number,
): Promise<string> {
  const git = (args: string[], input?: string) => gitIn(work, args, input);
  await git(['checkout', '-q', '-f', onto]);
  let parent = onto;
  for (const [i, file] of files.entries()) {
    const lines = readFileSync(join(work, file), 'utf8').split('\n');
    lines.splice(1, 1, i === amend ? `stack ${i} amended` : `stack ${i} edit`);
    writeFileSync(join(work, file), `${lines.join('\n').replace(/\n$/, '')}\nadded by ${i}\n`);
    await git(['add', file]);
    const tree = (await git(['write-tree'])).trim();
    const body =
      `tree ${tree}\nparent ${parent}\n` +
      'author Ada Lovelace <ada@example.com> 1700000000 +0000\n' +
      'committer Ada Lovelace <ada@example.com> 1700000000 +0000\n' +
      `change-id ${ids[i]}\n\nstack commit ${i}\n`;
    parent = (await git(['hash-object', '-t', 'commit', '-w'], body)).trim();
  }
  return parent;
}

/** The clone's packs in an in-memory object store, as RepoObjects reads them from R2. */
async function loadPacks(
  work: string,
): Promise<{ store: ReturnType<typeof memoryObjectStore>; list: StoredPack[] }> {
  const store = memoryObjectStore();
  const packDir = join(work, '.git', 'objects', 'pack');
  const list: StoredPack[] = [];
  for (const name of readdirSync(packDir).filter((n) => n.endsWith('.pack'))) {
    const key = `bench/${name}`;
    await store.put(key, new Uint8Array(readFileSync(join(packDir, name))));
    await store.put(
      idxKeyOf(key),
      new Uint8Array(readFileSync(join(packDir, name.replace(/\.pack$/, '.idx')))),
    );
    list.push({ key, size: statSync(join(packDir, name)).size, objectCount: 0 });
  }
  return { store, list };
}
