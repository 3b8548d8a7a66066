/**
 * The ref logic of RepoObject over its SQLite storage: schema, reads, the push transaction that
 * compare-and-swaps every ref command at once, and the compaction swap of the pack catalog
 * (which retires the replaced packs, see retired-packs.ts). Kept apart from the DO class so it
 * holds no lifecycle, only rules.
 */
import { pushedRefNameProblem, ZERO_OID } from '../../common/git/refs';
import { createRetiredSchema, retirePacks } from './retired-packs';

export interface PackRecord {
  /** R2 key of the .pack; the .idx sits beside it with the same stem. */
  key: string;
  checksum: string;
  objectCount: number;
  size: number;
  /**
   * A cruft pack holds objects no ref reached when compaction wrote it: kept for reads by id
   * until its grace has passed, never sent in clones.
   */
  cruft?: boolean;
}

export interface RefCommand {
  ref: string;
  oldOid: string;
  newOid: string;
}

export interface RefResult {
  ref: string;
  ok: boolean;
  reason?: string;
}

export interface PushRequest {
  commands: RefCommand[];
  atomic: boolean;
  /** The pack that carries the new objects; recorded only if some ref update lands. */
  pack?: PackRecord;
  defaultBranch: string;
  /** Branches that may not be deleted or rewound (fast-forward checked by the caller). */
  protectedRefs?: string[];
  /**
   * The caller's judgement that, if every command lands, the live packs still hold each object
   * reachable from the refs exactly once and nothing else (see `RepoState.exact`).
   */
  keepsExact?: boolean;
  /**
   * `RepoState.pushedPacks` when the caller judged `keepsExact`: a pack pushed meanwhile may hold
   * the same new objects (two branches pushed at once with one new file), so then it does not.
   */
  seenPushedPacks?: number;
}

export interface PushOutcome {
  results: RefResult[];
  /** True when at least one ref changed (and the pack, if any, was published). */
  applied: boolean;
  /** HEAD's target after the push, e.g. `refs/heads/main`. */
  head: string;
}

export interface RepoState {
  head: string;
  refs: Array<{ name: string; oid: string }>;
  packs: PackRecord[];
  /**
   * True when the live (non-cruft) packs hold every object reachable from the refs exactly once
   * and nothing else, so a clone may stream them as they are. Pushes that may break this (a
   * deletion, a rewind, objects sent again or not reachable) clear it; compaction restores it.
   */
  exact: boolean;
  /** Counts the changes that cleared `exact`; compaction restores it only if none came meanwhile. */
  dirtyGen: number;
  /** How many pushes have added a pack (see `PushRequest.seenPushedPacks`). */
  pushedPacks: number;
}

/** Creates the tables on first use; later migrations append statements here. */
export function ensureSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS refs (name TEXT PRIMARY KEY, oid TEXT NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS packs (
    key TEXT PRIMARY KEY, checksum TEXT NOT NULL, object_count INTEGER NOT NULL,
    size INTEGER NOT NULL, created_at INTEGER NOT NULL)`);
  const packCols = sql.exec<{ name: string }>('PRAGMA table_info(packs)').toArray();
  if (!packCols.some((c) => c.name === 'cruft')) {
    sql.exec('ALTER TABLE packs ADD COLUMN cruft INTEGER NOT NULL DEFAULT 0');
  }
  sql.exec(`CREATE TABLE IF NOT EXISTS ref_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL, old_oid TEXT NOT NULL,
    new_oid TEXT NOT NULL, at INTEGER NOT NULL)`);
  createRetiredSchema(sql);
}

function getMeta(sql: SqlStorage, key: string): string | undefined {
  const row = sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0];
  return row?.value;
}

function setMeta(sql: SqlStorage, key: string, value: string): void {
  sql.exec(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    key,
    value,
  );
}

/** Reads HEAD (defaulting to the given branch), every ref and the pack catalog. */
export function readState(sql: SqlStorage, defaultBranch: string): RepoState {
  const head = getMeta(sql, 'head') ?? `refs/heads/${defaultBranch}`;
  const refs = sql
    .exec<{ name: string; oid: string }>('SELECT name, oid FROM refs ORDER BY name')
    .toArray();
  return { head, refs, packs: readPacks(sql), ...readExactness(sql) };
}

/** The exactness fields of RepoState, without reading refs or the catalog. */
function readExactness(sql: SqlStorage): Pick<RepoState, 'exact' | 'dirtyGen' | 'pushedPacks'> {
  // A repository from before exactness was tracked is assumed inexact until compaction checks it.
  const recorded = getMeta(sql, 'exact');
  const exact =
    recorded !== undefined
      ? recorded === '1'
      : sql.exec('SELECT 1 FROM packs LIMIT 1').toArray().length === 0;
  return {
    exact,
    dirtyGen: Number(getMeta(sql, 'dirty_gen') ?? '0'),
    pushedPacks: Number(getMeta(sql, 'pushed_packs') ?? '0'),
  };
}

function readPacks(sql: SqlStorage): PackRecord[] {
  return sql
    .exec<{ key: string; checksum: string; object_count: number; size: number; cruft: number }>(
      'SELECT key, checksum, object_count, size, cruft FROM packs ORDER BY created_at, key',
    )
    .toArray()
    .map((p) => ({
      key: p.key,
      checksum: p.checksum,
      objectCount: p.object_count,
      size: p.size,
      ...(p.cruft ? { cruft: true } : {}),
    }));
}

/** Records that the live packs may no longer be exact (see `RepoState.exact`). */
function markInexact(sql: SqlStorage): void {
  setMeta(sql, 'exact', '0');
  setMeta(sql, 'dirty_gen', String(Number(getMeta(sql, 'dirty_gen') ?? '0') + 1));
}

export function setHead(sql: SqlStorage, branch: string): void {
  setMeta(sql, 'head', `refs/heads/${branch}`);
}

/** Checks one command against the current refs; returns the rejection reason or undefined. */
export function checkRefCommand(
  cmd: RefCommand,
  current: Map<string, string>,
  protectedRefs: Set<string>,
): string | undefined {
  const cur = current.get(cmd.ref) ?? ZERO_OID;
  // A ref stored before names were checked may still be deleted, so its owner can repair it.
  const nameProblem = pushedRefNameProblem(cmd.ref);
  if (nameProblem && !(cmd.newOid === ZERO_OID && cur !== ZERO_OID)) return nameProblem;
  if (cur !== cmd.oldOid) return cur === ZERO_OID ? 'stale info (ref was deleted)' : 'stale info';
  if (cmd.newOid === ZERO_OID && protectedRefs.has(cmd.ref))
    return 'protected branch: deletion prohibited';
  return undefined;
}

/**
 * Applies a push in one SQLite transaction (the caller wraps it in `transactionSync`): every
 * command is compare-and-swapped against the ref's value now, not the one advertised earlier.
 * Atomic pushes apply all commands or none.
 */
export function applyPush(sql: SqlStorage, req: PushRequest, now: number): PushOutcome {
  const current = new Map(
    sql
      .exec<{ name: string; oid: string }>('SELECT name, oid FROM refs')
      .toArray()
      .map((r) => [r.name, r.oid]),
  );
  const wasEmpty = current.size === 0;
  const before = readExactness(sql);
  const wasExact =
    before.exact &&
    (req.seenPushedPacks === undefined || req.seenPushedPacks === before.pushedPacks);
  const protectedRefs = new Set(req.protectedRefs ?? []);
  const seen = new Set<string>();
  const reasons = req.commands.map((c) => {
    if (seen.has(c.ref)) return 'duplicate ref in one push';
    seen.add(c.ref);
    return checkRefCommand(c, current, protectedRefs);
  });
  const anyFailed = reasons.some((r) => r !== undefined);
  const results: RefResult[] = req.commands.map((c, i) => {
    const reason = reasons[i];
    if (reason !== undefined) return { ref: c.ref, ok: false, reason };
    if (req.atomic && anyFailed) return { ref: c.ref, ok: false, reason: 'atomic push failure' };
    return { ref: c.ref, ok: true };
  });

  let applied = false;
  req.commands.forEach((c, i) => {
    if (!results[i]?.ok) return;
    if (c.newOid === ZERO_OID) sql.exec('DELETE FROM refs WHERE name = ?', c.ref);
    else
      sql.exec(
        'INSERT INTO refs (name, oid) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET oid = excluded.oid',
        c.ref,
        c.newOid,
      );
    sql.exec(
      'INSERT INTO ref_log (ref, old_oid, new_oid, at) VALUES (?, ?, ?, ?)',
      c.ref,
      c.oldOid,
      c.newOid,
      now,
    );
    applied = true;
  });

  if (applied && req.pack) {
    const p = req.pack;
    sql.exec(
      'INSERT OR IGNORE INTO packs (key, checksum, object_count, size, created_at) VALUES (?, ?, ?, ?, ?)',
      p.key,
      p.checksum,
      p.objectCount,
      p.size,
      now,
    );
    setMeta(sql, 'pushed_packs', String(before.pushedPacks + 1));
  }

  // While the packs are inexact, a push may point at objects no ref reached (they are still
  // stored), so it keeps them inexact and tells a running compaction it raced with a change.
  if (applied && (!wasExact || req.keepsExact !== true || anyFailed)) markInexact(sql);
  // Written out, since the default for a catalog with packs and no record is "inexact".
  else if (applied) setMeta(sql, 'exact', '1');

  // The first push into an empty repository decides HEAD: the default branch when it was pushed,
  // otherwise the first branch pushed (as GitHub does), so clones get a checkout.
  if (applied && wasEmpty && getMeta(sql, 'head') === undefined) {
    const branches = req.commands
      .filter((c, i) => results[i]?.ok && c.newOid !== ZERO_OID && c.ref.startsWith('refs/heads/'))
      .map((c) => c.ref);
    const wanted = `refs/heads/${req.defaultBranch}`;
    const head = branches.includes(wanted) ? wanted : (branches[0] ?? wanted);
    setMeta(sql, 'head', head);
  }
  return { results, applied, head: getMeta(sql, 'head') ?? `refs/heads/${req.defaultBranch}` };
}

/**
 * Swaps packs in the catalog (compaction): adds `add` and removes `remove` in one transaction,
 * only if every pack in `remove` is still there (else another compaction won; returns false).
 * The removed packs are retired, not deleted: fetches that read the old catalog may still be
 * reading them, so RepoObject's alarm deletes them after a grace period. `exactAtGen`: the
 * compaction wrote exactly the objects reachable from the refs it read at that generation;
 * the catalog becomes exact, and the `expired` cruft packs are dropped, if nothing cleared
 * exactness since.
 */
export function replacePacks(
  sql: SqlStorage,
  remove: string[],
  add: PackRecord[],
  now: number,
  exactAtGen?: number,
  expired: string[] = [],
): boolean {
  for (const key of remove) {
    const hit = sql.exec('SELECT 1 FROM packs WHERE key = ?', key).toArray();
    if (hit.length === 0) return false;
  }
  const created =
    remove.length === 0
      ? undefined
      : sql
          .exec<{ t: number | null }>(
            `SELECT MIN(created_at) AS t FROM packs WHERE key IN (${remove.map(() => '?').join(',')})`,
            ...remove,
          )
          .toArray()[0]?.t;
  // The merged pack takes the place of the oldest pack it replaces, keeping catalog order.
  for (const p of add) {
    sql.exec(
      'INSERT OR IGNORE INTO packs (key, checksum, object_count, size, created_at, cruft) VALUES (?, ?, ?, ?, ?, ?)',
      p.key,
      p.checksum,
      p.objectCount,
      p.size,
      p.cruft ? now : (created ?? now),
      p.cruft ? 1 : 0,
    );
  }
  const unchanged =
    exactAtGen !== undefined && Number(getMeta(sql, 'dirty_gen') ?? '0') === exactAtGen;
  // Expired cruft may hold what a push made reachable again while compaction ran: it goes only
  // when nothing changed since compaction read the refs.
  const gone = unchanged ? [...remove, ...expired] : remove;
  for (const key of gone) sql.exec('DELETE FROM packs WHERE key = ?', key);
  retirePacks(sql, gone, now);
  if (unchanged) setMeta(sql, 'exact', '1');
  return true;
}

/** When each cruft pack was written (its objects' grace counts from then). */
export function cruftWrittenAt(sql: SqlStorage): Map<string, number> {
  const rows = sql
    .exec<{ key: string; created_at: number }>('SELECT key, created_at FROM packs WHERE cruft = 1')
    .toArray();
  return new Map(rows.map((r) => [r.key, r.created_at]));
}

/**
 * A compaction lease: one compaction per repository at a time. Returns false while another
 * holds it (until `until`).
 */
export function claimCompaction(sql: SqlStorage, now: number, ttlMs: number): boolean {
  const until = Number(getMeta(sql, 'compacting_until') ?? '0');
  if (until > now) return false;
  setMeta(sql, 'compacting_until', String(now + ttlMs));
  return true;
}

export function releaseCompaction(sql: SqlStorage): void {
  setMeta(sql, 'compacting_until', '0');
}
