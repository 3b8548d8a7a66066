import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../../../test/helpers/databases';
import type { Db } from '../../../db/client';
import { deleteRepo, insertRepo, type RepoRow } from '../../../db/queries/repositories';
import { createUserWithWallet } from '../../../db/queries/users';
import {
  protectionRequest,
  protectionRules,
  putProtection,
  removeProtection,
} from './branch-protection-store';
import { parseInput } from '../../../common/schemas/parse';
import { evaluateLand, ruleFor, type LandFacts } from './branch-protection';

describe.each(BACKENDS)('branch protection records on %s', (kind) => {
  let tdb: TestDatabase;
  let db: Db;
  let repo: RepoRow;
  let alice: { id: string };
  let bob: { id: string };
  const body = (v: unknown) => parseInput(protectionRequest, v);
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    db = tdb.open();
    alice = await createUserWithWallet(db, 'alice', `0x${'1'.repeat(40)}`);
    bob = await createUserWithWallet(db, 'bob', `0x${'2'.repeat(40)}`);
    repo = (await insertRepo(db, {
      ownerId: alice.id,
      name: 'r',
      description: '',
      private: false,
      defaultBranch: 'main',
    })) as RepoRow;
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await tdb?.close();
  });

  it('stores a rule with its lists, replaces it whole, and deletes it by exact pattern', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const rule = await putProtection(
      db,
      repo,
      'refs/heads/release/*',
      body({
        required_status_checks: { contexts: ['ci', 'ci', 'lint'] },
        required_pull_request_reviews: { required_approving_review_count: 2 },
        restrictions: { users: ['bob', 'alice'] },
      }),
      t0,
    );
    expect(rule).toMatchObject({
      pattern: 'release/*',
      requiredApprovals: 2,
      requiredContexts: ['ci', 'lint'],
      pushers: [
        { id: alice.id, login: 'alice' },
        { id: bob.id, login: 'bob' },
      ],
      enforceAdmins: false,
      allowForcePushes: false,
    });
    // A PUT replaces every field: no lists left behind.
    const again = await putProtection(db, repo, 'release/*', body({ allow_deletions: true }), t0);
    expect(again).toMatchObject({
      id: rule.id,
      requiredApprovals: 0,
      requiredContexts: undefined,
      pushers: undefined,
      allowDeletions: true,
    });
    await putProtection(db, repo, 'main', body({ restrictions: { users: [] } }), t0);
    expect((await protectionRules(db, repo.id)).map((r) => [r.pattern, r.pushers])).toEqual([
      ['release/*', undefined],
      ['main', []],
    ]);
    await expect(
      putProtection(db, repo, 'x', body({ restrictions: { users: ['nobody'] } }), t0),
    ).rejects.toThrow('No user named nobody');
    await expect(putProtection(db, repo, 'a..b', body({}), t0)).rejects.toThrow('pattern');
    await expect(removeProtection(db, repo, 'release/1')).rejects.toThrow('Branch not protected');
    await removeProtection(db, repo, 'release/*');
    expect((await protectionRules(db, repo.id)).map((r) => r.pattern)).toEqual(['main']);
  });

  it('judges a land by the rule that governs the branch', async () => {
    // As land() does: the stored rules read once, the governing rule's verdict.
    const landVerdict = async (repoId: string, branch: string, facts: LandFacts) => {
      const rule = ruleFor(await protectionRules(db, repoId), branch);
      return rule ? { ...evaluateLand(rule, facts), rule } : { ok: true, bypassed: [], rule };
    };
    const t0 = new Date('2026-01-02T00:00:00Z');
    await putProtection(
      db,
      repo,
      'main',
      body({
        enforce_admins: true,
        required_pull_request_reviews: { required_approving_review_count: 1 },
        required_status_checks: { contexts: ['ci'] },
      }),
      t0,
    );
    const facts = {
      approvals: [],
      lastPusher: alice.id,
      currentRevision: 1,
      statuses: [],
      lander: alice.id,
      landerLogin: 'alice',
      force: false,
    };
    expect(await landVerdict(repo.id, 'main', facts)).toMatchObject({
      ok: false,
      reasons: [
        'protected branch: 1 approving review required',
        'protected branch: required status check ci is expected',
      ],
      rule: { pattern: 'main' },
    });
    const ok = await landVerdict(repo.id, 'main', {
      ...facts,
      approvals: [{ user: bob.id, revision: 1 }],
      statuses: [{ context: 'ci', state: 'success' }],
    });
    expect(ok.ok).toBe(true);
    expect(await landVerdict(repo.id, 'dev', facts)).toEqual({
      ok: true,
      bypassed: [],
      rule: undefined,
    });
    // Rules go with their repository.
    await deleteRepo(db, repo.id);
    expect(await protectionRules(db, repo.id)).toEqual([]);
  });
});
