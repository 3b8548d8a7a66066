/**
 * Moments of an event's and a run's life in the controller, for benchmarks that split
 * push → first log line into its parts (bench/workflows.ts). Optional: nothing is traced unless a
 * `trace` is given to the controller.
 */

/** What happened; `id` is the event's or the run's id. */
export type TraceMark =
  | 'event_claimed'
  | 'event_checked_out'
  | 'event_evaluated'
  | 'event_reported'
  | 'run_claimed'
  | 'run_checked_out'
  | 'run_first_output'
  | 'run_output_posted';

export type Trace = (mark: TraceMark, id: number) => void;
