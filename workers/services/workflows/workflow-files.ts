/**
 * The workflow files of an event's commit, sent with its claim (issue #21: push → first log line).
 * Evaluation reads nothing of the repository but `.plue/workflows/*.py` (the evaluator runs each
 * file with `open` removed) and whether `.plue/prompts/…` files exist, so the controller can
 * evaluate from these instead of checking the whole commit out first; it fetches the checkout for
 * the runs at the same time. The files come from the Worker's own object storage, read like the
 * tree pages read them.
 *
 * Only the plain case is sent: regular files, at most MAX_WORKFLOW_FILES workflows of at most
 * MAX_FILE_BYTES each, at most MAX_PROMPTS prompt paths. Anything else (a symlink or submodule
 * there, a larger file, an unreadable object) sends nothing and the controller evaluates from its
 * checkout as before, so both ways see exactly the same files.
 */
import type { RepoRow } from '../../../db/queries/repositories';
import { treeEntryKind } from '../../../common/git/object';
import type { Env } from '../../env';
import { openBrowseRepo } from '../browse/repo';
import { peel, readBlob, readCommit, readTree, type ObjectReader } from '../browse/objects';

export const MAX_WORKFLOW_FILES = 50;
export const MAX_FILE_BYTES = 256 * 1024;
export const MAX_PROMPTS = 500;
const MAX_PROMPT_DEPTH = 8;

/** What a claim carries: the commit, its workflow files (base64) and its prompt files' ids. */
export interface WorkflowFiles {
  commit: string;
  workflows: Array<{ path: string; oid: string; content: string }>;
  prompts: Array<{ path: string; oid: string }>;
}

/** Not sendable: the controller falls back to its checkout. */
class Unplain extends Error {}

/**
 * The workflow files of `sha` (a commit, or a tag peeled to one) in `repo`; undefined when they
 * cannot be sent as-is (see the header). Never throws: the claim goes out either way.
 */
export async function workflowFilesAt(
  env: Env,
  repo: RepoRow,
  sha: string,
): Promise<WorkflowFiles | undefined> {
  try {
    return await filesOf((await openBrowseRepo(env, repo)).reader, sha);
  } catch {
    return undefined;
  }
}

/** `workflowFilesAt` over any object reader (tests); undefined for anything but the plain case. */
export async function filesOf(r: ObjectReader, sha: string): Promise<WorkflowFiles | undefined> {
  try {
    const target = await peel(r, sha);
    if (target?.type !== 'commit') return undefined;
    const commit = await readCommit(r, target.oid);
    const plue = await subtree(r, commit.tree, '.plue');
    const workflows: WorkflowFiles['workflows'] = [];
    const prompts: WorkflowFiles['prompts'] = [];
    if (plue) {
      const dir = await subtree(r, plue, 'workflows');
      const entries = dir ? await readTree(r, dir) : [];
      for (const e of entries.filter((x) => x.name.endsWith('.py'))) {
        if (treeEntryKind(e.mode) !== 'blob') throw new Unplain();
        if (workflows.length >= MAX_WORKFLOW_FILES) throw new Unplain();
        const bytes = await readBlob(r, e.oid);
        if (bytes.length > MAX_FILE_BYTES) throw new Unplain();
        workflows.push({
          path: `.plue/workflows/${e.name}`,
          oid: e.oid,
          content: base64(bytes),
        });
      }
      const promptDir = await subtree(r, plue, 'prompts');
      if (promptDir) await listFiles(r, promptDir, '.plue/prompts', 0, prompts);
    }
    workflows.sort((a, b) => (a.path < b.path ? -1 : 1));
    return { commit: target.oid, workflows, prompts };
  } catch {
    return undefined; // Unplain, a missing object or a storage error: the checkout decides
  }
}

/** The tree named `name` in tree `oid`; undefined when absent; Unplain when not a tree. */
async function subtree(r: ObjectReader, oid: string, name: string): Promise<string | undefined> {
  const e = (await readTree(r, oid)).find((x) => x.name === name);
  if (!e) return undefined;
  if (treeEntryKind(e.mode) !== 'tree') throw new Unplain();
  return e.oid;
}

async function listFiles(
  r: ObjectReader,
  tree: string,
  prefix: string,
  depth: number,
  out: WorkflowFiles['prompts'],
): Promise<void> {
  if (depth > MAX_PROMPT_DEPTH) throw new Unplain();
  for (const e of await readTree(r, tree)) {
    const path = `${prefix}/${e.name}`;
    const kind = treeEntryKind(e.mode);
    if (kind === 'tree') await listFiles(r, e.oid, path, depth + 1, out);
    else if (kind === 'blob') {
      if (out.length >= MAX_PROMPTS) throw new Unplain();
      out.push({ path, oid: e.oid });
    } else throw new Unplain();
  }
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}
