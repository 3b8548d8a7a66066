/**
 * Mirrors an appended batch's lifecycle events into the run and step rows, after the RunStream
 * has fanned the batch out (the log is the source of truth; replays re-apply harmlessly).
 *
 * The batch is folded here (pure) into one effect per step and applied by
 * db/queries/run-projection.ts in one statement, byte counts and the archive time included, so
 * the common batches ([run_started, step_started, …output], [step_completed, step_started],
 * output with a byte count) cost one round trip. A run_completed splits the batch: what came
 * before it is projected, then markRunCompleted, then the rest, as event-by-event would.
 */
import type { Db } from '../../../db/client';
import {
  CONCLUSIONS,
  markRunCompleted,
  type Conclusion,
  type NewStep,
} from '../../../db/queries/runs';
import {
  isEmptyProjection,
  projectRun,
  type RunProjection,
  type StepEffect,
} from '../../../db/queries/run-projection';
import type { AppendResult, Chunk } from '../../../durable-objects/formats';
import { stepsOfPlan } from './plan-steps';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function conclusionOf(data: unknown, fallback: Conclusion): Conclusion {
  const o = isObject(data) ? data : {};
  const c = o.conclusion ?? o.status;
  return typeof c === 'string' && (CONCLUSIONS as readonly string[]).includes(c)
    ? (c as Conclusion)
    : fallback;
}

/** Why a step ended as it did, from its step_completed payload (the run page shows it). */
function noteOf(data: Record<string, unknown>): string | null {
  if (typeof data.note === 'string' && data.note !== '') return data.note.slice(0, 500);
  return data.oom_killed === true ? 'out of memory' : null;
}

const USAGE_KEYS = ['model', 'turns', 'input_tokens', 'output_tokens', 'wall_ms', 'cost_usd'];
/** Bytes of a model step's output kept in its row (the log keeps the whole event). */
const MAX_OUTPUT_JSON = 64 * 1024;

/** A model step's accounting from its step_completed payload: known keys, numbers or a name. */
function usageOf(data: Record<string, unknown>): string | null {
  const u = isObject(data.usage) ? data.usage : undefined;
  if (!u) return null;
  const kept: Record<string, unknown> = {};
  for (const k of USAGE_KEYS) {
    const v = u[k];
    if ((typeof v === 'number' && Number.isFinite(v)) || v === null) kept[k] = v;
    else if (k === 'model' && typeof v === 'string') kept[k] = v.slice(0, 100);
  }
  return JSON.stringify(kept);
}

/** A model step's output as JSON text, or a marker when it is too large to keep here. */
function outputOf(data: Record<string, unknown>): string | null {
  if (!('output' in data)) return null;
  const text = JSON.stringify(data.output ?? null);
  return text.length <= MAX_OUTPUT_JSON
    ? text
    : JSON.stringify({ truncated: true, bytes: text.length });
}

/** One stretch of a batch up to (and including) a run_completed, or the batch's tail. */
export interface Segment {
  projection: RunProjection;
  /** The run_completed that ends this stretch. */
  completeRun?: Conclusion;
}

const emptyProjection = (): RunProjection => ({
  startRun: false,
  steps: [],
  runBytes: null,
  stepBytes: {},
  archived: false,
});

const fresh = (stepId: string): StepEffect => ({
  stepId,
  name: stepId,
  type: 'run',
  dependsOn: [],
  status: 'queued',
  startedAt: null,
  conclusion: null,
  exitCode: null,
  completedAt: null,
  note: null,
  usage: null,
  output: null,
});

/**
 * Folds a batch into segments: per step, the row its events build from nothing, applying each
 * event as the single-event queries would (a plan adds, a start moves queued → running, a
 * completion closes anything open and never reopens). `failure` is what folding threw (a
 * malformed plan): what came before it is still projected, as it was event by event.
 */
export function foldBatch(chunks: Chunk[], now: Date): { segments: Segment[]; failure?: unknown } {
  const segments: Segment[] = [];
  let current = emptyProjection();
  let steps = new Map<string, StepEffect>();
  const close = (completeRun?: Conclusion) => {
    current.steps = [...steps.values()];
    segments.push(
      completeRun === undefined ? { projection: current } : { projection: current, completeRun },
    );
    current = emptyProjection();
    steps = new Map();
  };
  const plan = (s: NewStep) => {
    if (!steps.has(s.stepId)) {
      steps.set(s.stepId, {
        ...fresh(s.stepId),
        name: s.name,
        type: s.type,
        dependsOn: s.dependsOn,
      });
    }
  };
  try {
    for (const c of chunks) {
      const data = isObject(c.data) ? c.data : {};
      if (c.event === 'run_started') {
        current.startRun = true;
        if (Array.isArray(data.steps)) for (const s of stepsOfPlan(data.steps)) plan(s);
      } else if (c.event === 'step_started') {
        current.startRun = true;
        const prior = steps.get(c.step_id);
        if (prior === undefined) {
          steps.set(c.step_id, {
            ...fresh(c.step_id),
            name: typeof data.name === 'string' && data.name ? data.name.slice(0, 200) : c.step_id,
            type:
              typeof data.type === 'string' && /^[a-z_]{1,20}$/.test(data.type) ? data.type : 'run',
            status: 'running',
            startedAt: now,
          });
        } else if (prior.status === 'queued') {
          prior.status = 'running';
          prior.startedAt = now;
        }
      } else if (c.event === 'step_completed') {
        const prior = steps.get(c.step_id) ?? fresh(c.step_id);
        steps.set(c.step_id, prior);
        if (prior.status !== 'completed') {
          const exit = data.exit_code;
          prior.status = 'completed';
          prior.conclusion = conclusionOf(data, exit === 0 ? 'success' : 'failure');
          prior.exitCode = typeof exit === 'number' && Number.isInteger(exit) ? exit : null;
          prior.completedAt = now;
          prior.note = noteOf(data);
          prior.usage = usageOf(data);
          prior.output = outputOf(data);
        }
      } else if (c.event === 'run_completed') {
        close(conclusionOf(data, 'success'));
      }
    }
  } catch (failure) {
    close();
    return { segments, failure };
  }
  close();
  return { segments };
}

/**
 * Mirrors a batch's lifecycle events, and the byte counts and archive time the RunStream
 * reported with it, into the database: one statement per stretch between run_completed events
 * (none when nothing would change). Throws what folding threw, after projecting what preceded it.
 */
export async function projectBatch(
  db: Db,
  runId: string,
  chunks: Chunk[],
  result: Pick<AppendResult, 'reportBytes' | 'runBytes' | 'stepBytes' | 'archived'>,
  now: Date,
): Promise<void> {
  const { segments, failure } = foldBatch(chunks, now);
  const last = segments[segments.length - 1];
  if (failure === undefined && last !== undefined) {
    // Sizes and the archive time were recorded after the events; the last stretch carries them.
    if (result.reportBytes) {
      last.projection.runBytes = result.runBytes;
      last.projection.stepBytes = result.stepBytes;
    }
    last.projection.archived = result.archived;
  }
  for (const s of segments) {
    if (!isEmptyProjection(s.projection)) await projectRun(db, runId, s.projection, now);
    if (s.completeRun !== undefined) await markRunCompleted(db, runId, s.completeRun, now);
  }
  if (failure !== undefined) throw failure;
}
