/**
 * The `open_landing_request` forge tool: an agent's workspace changes become a landing request
 * authored by the agent account, for a person to review and land. The controller sends the
 * changed files (content or deletion) as read in the sandbox; nothing else of the sandbox is
 * trusted. The Worker builds the commit itself on the run's own commit (objects it hashes, never
 * objects from the sandbox), writes it to a new branch `plue-agent/run-<id>[-k]` that must not
 * exist yet and that no protection rule covers (a compare-and-swap from zero, so no existing
 * branch is ever moved), then opens the landing from that branch onto the run's branch.
 */
import { z } from 'zod';
import { AppError } from '../../../common/errors';
import { ZERO_OID } from '../../../common/git/refs';
import { serializeCommit, type TreeEntry } from '../../../common/git/object';
import type { Db } from '../../../db/client';
import type { Env } from '../../env';
import { writeObjectsPack } from '../../git/storage/write-objects';
import { readCommit, readTree } from '../browse/objects';
import { gitRepoContext, openObjects, type GitRepoContext } from '../git/repo-context';
import { keepsExact } from '../landings/land';
import { createLanding } from '../landings/landings';
import { NewObjects } from '../landings/engine/objects';
import { protectionRules } from '../repos/branch-protection-store';
import { ruleFor } from '../repos/branch-protection';
import { AGENT_LOGIN, agentAccountId } from './agent-account';
import type { ForgeRun } from './forge-run';

const MAX_FILES = 200;
const MAX_BYTES = 8 * 1024 * 1024;

export const openLandingInput = z.object({
  step_id: z.string().min(1).max(200),
  title: z.string().trim().min(1).max(256),
  body: z
    .string()
    .max(64 * 1024)
    .optional(),
  files: z
    .array(
      z.object({
        path: z.string().min(1).max(4096),
        /** The new content, base64; null deletes the file. */
        content_base64: z.string().nullable(),
        executable: z.boolean().optional(),
      }),
    )
    .max(MAX_FILES),
});
export type OpenLandingInput = z.infer<typeof openLandingInput>;

type Change = { content: Uint8Array | null; executable: boolean };
interface Dir {
  files: Map<string, Change>;
  dirs: Map<string, Dir>;
}

/** Splits and checks a workspace path: no empty, `.` or `..` parts, nothing under `.git`. */
export function pathParts(path: string): string[] {
  const parts = path.split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || p.toLowerCase() === '.git' || p.includes('\0')) {
      throw AppError.invalid(
        `files: ${JSON.stringify(path)} is not a workspace path`,
        'path_invalid',
      );
    }
  }
  return parts;
}

function fromBase64(text: string, path: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw AppError.invalid(`files: ${path}: content_base64 is not base64`, 'content_invalid');
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function changeTree(files: OpenLandingInput['files']): Dir {
  const root: Dir = { files: new Map(), dirs: new Map() };
  let bytes = 0;
  for (const f of files) {
    const parts = pathParts(f.path);
    const name = parts.pop() as string; // ok: split gives at least one part
    let dir = root;
    for (const p of parts) {
      let next = dir.dirs.get(p);
      if (!next) dir.dirs.set(p, (next = { files: new Map(), dirs: new Map() }));
      dir = next;
    }
    const content = f.content_base64 === null ? null : fromBase64(f.content_base64, f.path);
    bytes += content?.length ?? 0;
    if (bytes > MAX_BYTES) throw AppError.tooLarge(`files: at most ${MAX_BYTES} bytes in all`);
    dir.files.set(name, { content, executable: f.executable === true });
  }
  return root;
}

/** The tree `base` (absent: empty) with `dir`'s changes applied; undefined when it ends empty. */
async function applyChanges(
  objects: NewObjects,
  base: string | undefined,
  dir: Dir,
): Promise<string | undefined> {
  const entries = new Map<string, TreeEntry>();
  for (const e of base ? await readTree(objects, base) : []) entries.set(e.name, e);
  for (const [name, change] of dir.files) {
    if (change.content === null) entries.delete(name);
    else {
      const oid = objects.add('blob', change.content);
      entries.set(name, { mode: change.executable ? '100755' : '100644', name, oid });
    }
  }
  for (const [name, sub] of dir.dirs) {
    const old = entries.get(name);
    const tree = await applyChanges(objects, old?.mode === '40000' ? old.oid : undefined, sub);
    if (tree === undefined) entries.delete(name);
    else entries.set(name, { mode: '40000', name, oid: tree });
  }
  if (entries.size === 0) return undefined;
  return objects.addTree([...entries.values()]);
}

/** A new branch name for the run's landing that no ref holds and no rule protects. */
async function freshBranch(
  db: Db,
  f: ForgeRun,
  refs: ReadonlyArray<{ name: string }>,
): Promise<string> {
  const rules = await protectionRules(db, f.repo.id);
  for (let k = 1; k <= 20; k++) {
    const branch = `${AGENT_LOGIN}/run-${f.run.id}${k === 1 ? '' : `-${k}`}`;
    if (ruleFor(rules, branch)) {
      throw AppError.forbidden(
        `Branch ${branch} is protected; agents never write protected branches`,
        'protected_branch',
      );
    }
    if (!refs.some((r) => r.name === `refs/heads/${branch}`)) return branch;
  }
  throw AppError.conflict('This run has opened too many landing requests', 'too_many_landings');
}

/** Writes the agent's commit to a new branch (from zero: it never moves an existing one). */
async function writeBranch(
  ctx: GitRepoContext,
  branch: string,
  objects: NewObjects,
  commit: string,
): Promise<void> {
  const state = await ctx.refs.state(ctx.repo.defaultBranch);
  const stored = await openObjects(ctx, state);
  const fresh = objects.reachable([commit]).filter((o) => !stored.has(o.oid));
  const commands = [{ ref: `refs/heads/${branch}`, oldOid: ZERO_OID, newOid: commit }];
  const intake = await writeObjectsPack(ctx.store, ctx.repo.id, fresh, ctx.limits);
  const outcome = await ctx.refs.push({
    commands,
    atomic: true,
    defaultBranch: ctx.repo.defaultBranch,
    seenPushedPacks: state.pushedPacks,
    keepsExact: keepsExact(state, commands, fresh, stored, intake.oids),
    pack: {
      key: intake.key,
      checksum: intake.checksum,
      objectCount: intake.objectCount,
      size: intake.size,
    },
  });
  if (!outcome.applied) {
    await ctx.store.delete([intake.key, intake.key.replace(/\.pack$/, '.idx')]).catch(() => 0);
    const why = outcome.results[0]?.reason ?? 'ref update failed';
    throw AppError.conflict(`Could not create branch ${branch}: ${why}`, 'branch_conflict');
  }
}

/** Opens the agent's landing request; its number and branch. */
export async function agentLanding(
  db: Db,
  env: Env,
  f: ForgeRun,
  input: OpenLandingInput,
  origin: string,
  now: Date,
): Promise<{ number: number; branch: string }> {
  if (input.files.length === 0) {
    throw AppError.invalid('The workspace has no changes to propose', 'no_changes');
  }
  const changes = changeTree(input.files);
  const ctx = gitRepoContext(env, {
    id: f.repo.id,
    fullName: `${f.repo.owner_login}/${f.repo.name}`,
    defaultBranch: f.repo.default_branch,
  });
  const state = await ctx.refs.state(f.repo.default_branch);
  const objects = new NewObjects(await openObjects(ctx, state));
  const parent = await readCommit(objects, f.run.head_sha);
  const tree = (await applyChanges(objects, parent.tree, changes)) ?? objects.addTree([]);
  if (tree === parent.tree) {
    throw AppError.invalid('The changes leave every file as it was', 'no_changes');
  }
  const base =
    f.run.head_branch && state.refs.some((r) => r.name === `refs/heads/${f.run.head_branch}`)
      ? f.run.head_branch
      : f.repo.default_branch;
  const who = {
    name: AGENT_LOGIN,
    email: `${AGENT_LOGIN}@users.noreply.plue`,
    timestamp: Math.floor(now.getTime() / 1000),
    tz: '+0000',
  };
  const runUrl = `${origin}/${f.repo.owner_login}/${f.repo.name}/actions/runs/${f.run.id}`;
  const commit = objects.add(
    'commit',
    serializeCommit({
      tree,
      parents: [f.run.head_sha],
      author: who,
      committer: who,
      headers: [],
      message: `${input.title}\n\n${input.body ? `${input.body}\n\n` : ''}Proposed by run ${f.run.run_number}: ${runUrl}\n`,
    }),
  );
  const branch = await freshBranch(db, f, state.refs);
  await writeBranch(ctx, branch, objects, commit);
  const botId = await agentAccountId(db);
  const landing = await createLanding(
    {
      db,
      env,
      actor: { user: { id: botId }, scopes: new Set(['repo:write']) },
      repo: f.repo,
      role: 'read',
      now,
    },
    {
      head: branch,
      base,
      title: input.title,
      body: `${input.body ?? ''}\n\n<sub>Proposed by [run ${f.run.run_number}](${runUrl}).</sub>`.trim(),
      draft: false,
    },
  );
  return { number: landing.number, branch };
}
