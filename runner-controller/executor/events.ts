/**
 * The events the plan executor emits, in order, through its `onEvent` callback. They are plain
 * data, ready to be appended to a run's RunStream and mirrored into the run/step tables:
 *
 *   run_started → (step_started → step_output* → step_completed | step_completed)* → run_completed
 *
 * A model step's `step_output*` is its transcript: `llm_token`, `tool_start`, `tool_end` (and
 * `step_output` notices). `seq` counts from 1 per step across all of them; text is masked.
 */
import type { OutputStream } from '../sandbox/types';
import type { StepUsage } from './run-step';

export type StepStatus = 'success' | 'failure' | 'skipped' | 'cancelled' | 'timed_out';
export type RunConclusion = 'success' | 'failure' | 'cancelled' | 'timed_out';

export type ExecutorEvent =
  | {
      type: 'run_started';
      workflow: string;
      steps: { id: string; name: string; type: string; depends_on: string[] }[];
    }
  | { type: 'step_started'; step_id: string }
  | { type: 'step_output'; step_id: string; stream: OutputStream; seq: number; data: string }
  /** A model step's transcript: text as it streams, tool calls and their results. */
  | { type: 'llm_token'; step_id: string; seq: number; data: string }
  | {
      type: 'tool_start';
      step_id: string;
      seq: number;
      data: { id: string; name: string; input: unknown };
    }
  | { type: 'tool_end'; step_id: string; seq: number; data: Record<string, unknown> }
  | {
      type: 'step_completed';
      step_id: string;
      status: StepStatus;
      exit_code: number | null;
      duration_ms: number;
      /** Why a step was skipped, cancelled or failed without an exit status. */
      note?: string;
      oom_killed?: boolean;
      /** Output bytes dropped past the per-step cap. */
      output_truncated_bytes?: number;
      /** A model step's output and accounting. */
      output?: unknown;
      usage?: StepUsage;
    }
  | { type: 'run_completed'; conclusion: RunConclusion; message?: string };
