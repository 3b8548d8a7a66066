/**
 * Reuse of evaluation results while the workflow files are unchanged (issue #21). What a file
 * defines (its workflows, their triggers, images, limits) does not depend on the event: the
 * evaluator runs the file before it looks at any event, and the file cannot read anything but
 * itself and the SDK. So the definitions from any successful evaluation are kept, keyed by the
 * file's path and blob id and the blob ids of `.plue/prompts/*`, and an event that no trigger of
 * a file can match (its type is none of the triggers' types, the SDK's first test in `matches`)
 * gets that file's result without a sandbox: its workflows listed as not matched, exactly as the
 * evaluator would print them. Files with a trigger of the event's type, and files that failed,
 * are evaluated as before. Held in the controller's memory, bounded by entry count (LRU).
 */
import { execFile } from 'node:child_process';
import {
  evaluateWorkflows,
  evaluateWorkflowsForEvents,
  listWorkflowFiles,
  type EvaluateOptions,
  type FileEvaluation,
} from './evaluate';
import type { WorkflowPlan } from './executor/plan';

type Listing = WorkflowPlan[];

export class EvaluationCache {
  private readonly entries = new Map<string, Listing>();
  /** Files answered from the cache, and files evaluated in a sandbox, since creation. */
  hits = 0;
  misses = 0;

  constructor(private readonly maxEntries = 1000) {}

  /**
   * `evaluateWorkflowsForEvents` (or `evaluateWorkflows` for one event) with the files that
   * cannot match an event answered from the cache. Results per event, files in order.
   */
  async evaluate(
    opts: Omit<EvaluateOptions, 'event' | 'files'> & {
      events: Array<Record<string, unknown>>;
      /** Blob ids of `.plue/workflows/*` and `.plue/prompts/**` by path, when known (else git). */
      blobs?: Map<string, string>;
    },
  ): Promise<FileEvaluation[][]> {
    const files = listWorkflowFiles(opts.workspace);
    if (files.length === 0) return opts.events.map(() => []);
    const keys = keysOf(opts.blobs ?? (await blobIds(opts.workspace)), files);
    const listings = files.map((f) => {
      const k = keys.get(f);
      const hit = k === undefined ? undefined : this.entries.get(k);
      if (hit && k) this.touch(k, hit);
      return hit;
    });
    // Per event, the files the cache cannot answer.
    const open = opts.events.map((e) =>
      files.filter((_, i) => {
        const l = listings[i];
        return !l || l.some((wf) => wf.triggers.some((t) => t.type === e.type));
      }),
    );
    const toRun = files.filter((f) => open.some((o) => o.includes(f)));
    this.hits += files.length * opts.events.length - open.flat().length;
    this.misses += toRun.length;
    const ran =
      toRun.length === 0
        ? opts.events.map(() => [])
        : opts.events.length === 1
          ? [await evaluateWorkflows({ ...opts, event: opts.events[0] ?? null, files: toRun })]
          : await evaluateWorkflowsForEvents({ ...opts, files: toRun });
    for (const results of ran) {
      for (const r of results) {
        const k = keys.get(r.file);
        if (k && 'workflows' in r) this.touch(k, r.workflows.map(definitionOf));
      }
    }
    return opts.events.map((_, e) =>
      files.map((f, i) => {
        const evaluated = ran[e]?.find((r) => r.file === f);
        if (evaluated) return evaluated;
        const listing = listings[i] ?? [];
        return { file: f, workflows: listing.map((wf) => ({ ...wf })), log: '' };
      }),
    );
  }

  private touch(key: string, listing: Listing): void {
    this.entries.delete(key);
    this.entries.set(key, listing);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

/** A workflow as the evaluator lists it for an event it does not match. */
function definitionOf(wf: WorkflowPlan): WorkflowPlan {
  return { ...wf, matched: false, steps: null, result: null };
}

/**
 * Blob ids of `.plue/workflows` and `.plue/prompts` by path, read from the checkout's git index
 * (so a file changed in the workspace is never taken for its blob); empty without git metadata.
 */
async function blobIds(workspace: string): Promise<Map<string, string>> {
  const blobs = new Map<string, string>();
  let listed: string;
  try {
    listed = await new Promise<string>((resolve, reject) =>
      execFile(
        'git',
        // The sandbox may have handed the workspace to another uid: git must still read it.
        [
          '-c',
          `safe.directory=${workspace}`,
          'ls-tree',
          '-r',
          'HEAD',
          '--',
          '.plue/workflows',
          '.plue/prompts',
        ],
        { cwd: workspace, maxBuffer: 8 * 1024 * 1024 },
        (err, stdout) => (err ? reject(err) : resolve(String(stdout))),
      ),
    );
  } catch {
    return blobs; // no git metadata: nothing is cached
  }
  for (const line of listed.split('\n')) {
    const m = /^\d+ blob ([0-9a-f]{40,64})\t(.+)$/.exec(line);
    if (m?.[1] && m[2]) blobs.set(m[2], m[1]);
  }
  return blobs;
}

/** Cache key per workflow file: its path and blob id, with the blob ids of the prompts. */
function keysOf(blobs: Map<string, string>, files: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const prompts = [...blobs]
    .filter(([path]) => path.startsWith('.plue/prompts/'))
    .map(([path, oid]) => `${path}=${oid}`)
    .sort()
    .join(',');
  for (const f of files) {
    const oid = blobs.get(f);
    if (oid) out.set(f, `${f}=${oid};${prompts}`);
  }
  return out;
}
