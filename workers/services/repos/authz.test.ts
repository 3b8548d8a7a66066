import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../../../test/helpers/databases';
import type { Db } from '../../../db/client';
import { insertRepo, upsertCollaborator, type RepoRow } from '../../../db/queries/repositories';
import { createUserWithWallet } from '../../../db/queries/users';
import { authorize, loadRepoForAction, type Action, type Actor } from './authz';
import { ALL_SCOPES, effectiveScopes } from '../identity/tokens';

describe.each(BACKENDS)('authorisation on %s', (kind) => {
  let tdb: TestDatabase;
  let db: Db;
  let pub: RepoRow;
  let priv: RepoRow;
  const actors: Record<string, Actor> = {};
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    db = tdb.open();
    const mk = (n: string, i: number) => createUserWithWallet(db, n, `0x${String(i).repeat(40)}`);
    const [owner, reader, writer, admin, stranger] = await Promise.all(
      ['owner', 'reader', 'writer', 'admin', 'stranger'].map((n, i) => mk(n, i + 1)),
    );
    const repo = (name: string, p: boolean) =>
      insertRepo(db, {
        ownerId: owner?.id ?? '',
        name,
        description: '',
        private: p,
        defaultBranch: 'main',
      });
    pub = (await repo('pub', false)) as RepoRow;
    priv = (await repo('priv', true)) as RepoRow;
    for (const r of [pub, priv]) {
      await upsertCollaborator(db, r.id, reader?.id ?? '', 'read');
      await upsertCollaborator(db, r.id, writer?.id ?? '', 'write');
      await upsertCollaborator(db, r.id, admin?.id ?? '', 'admin');
    }
    const session = (u: { id: string } | undefined): Actor => ({
      user: u,
      scopes: new Set(ALL_SCOPES),
    });
    Object.assign(actors, {
      owner: session(owner),
      reader: session(reader),
      writer: session(writer),
      admin: session(admin),
      stranger: session(stranger),
      anonymous: { scopes: new Set() },
      ownerReadToken: { user: owner, scopes: effectiveScopes(['repo:read']) },
      ownerWriteToken: { user: owner, scopes: effectiveScopes(['repo:write']) },
    });
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await tdb?.close();
  });

  /** What `authorize` answers: 'ok' or the error kind. */
  const verdict = async (who: string, action: Action, repo: RepoRow) => {
    try {
      await authorize(db, actors[who] as Actor, action, repo);
      return 'ok';
    } catch (e) {
      return (e as { kind: string }).kind;
    }
  };

  it.each([
    // who, public [read, write, admin], private [read, write, admin]
    ['owner', ['ok', 'ok', 'ok'], ['ok', 'ok', 'ok']],
    ['admin', ['ok', 'ok', 'ok'], ['ok', 'ok', 'ok']],
    ['writer', ['ok', 'ok', 'forbidden'], ['ok', 'ok', 'forbidden']],
    ['reader', ['ok', 'forbidden', 'forbidden'], ['ok', 'forbidden', 'forbidden']],
    ['stranger', ['ok', 'forbidden', 'forbidden'], ['not_found', 'not_found', 'not_found']],
    [
      'anonymous',
      ['ok', 'unauthenticated', 'unauthenticated'],
      ['not_found', 'not_found', 'not_found'],
    ],
    ['ownerReadToken', ['ok', 'forbidden', 'forbidden'], ['ok', 'forbidden', 'forbidden']],
    ['ownerWriteToken', ['ok', 'ok', 'forbidden'], ['ok', 'ok', 'forbidden']],
  ] as const)('%s', async (who, onPublic, onPrivate) => {
    const actions: Action[] = ['read', 'write', 'admin'];
    expect(await Promise.all(actions.map((a) => verdict(who, a, pub)))).toEqual(onPublic);
    expect(await Promise.all(actions.map((a) => verdict(who, a, priv)))).toEqual(onPrivate);
  });

  it('loads and authorises in one call, with the same 404 for missing and invisible repos', async () => {
    const owner = actors.owner as Actor;
    expect((await loadRepoForAction(db, owner, 'OWNER', 'PRIV', 'admin')).id).toBe(priv.id);
    const missing = loadRepoForAction(db, owner, 'owner', 'nope', 'read');
    const hidden = loadRepoForAction(db, actors.stranger as Actor, 'owner', 'priv', 'read');
    await expect(missing).rejects.toMatchObject({
      kind: 'not_found',
      message: 'Repository not found',
    });
    await expect(hidden).rejects.toMatchObject({
      kind: 'not_found',
      message: 'Repository not found',
    });
  });
});
