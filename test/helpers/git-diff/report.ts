/**
 * The failure report of a differential run: seed, step, differences (consecutive steps failing
 * alike shown once as a range, with the refs before the step), the end of the operation log, and
 * the whole log in a file beside the per-step refs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunOptions, RunResult } from './run';

export interface Found {
  step: number;
  op: string;
  diffs: string[];
  refsBefore: string;
}

/** The failure text: seed, step, differences, the end of the log; the whole log to a file. */
export function report(
  opts: RunOptions,
  found: Found[],
  log: string[],
  ms: RunResult['ms'],
): string {
  const first = found[0];
  if (!first) return 'no differences';
  const header =
    `git differential: Plue and git http-backend disagree at step ${first.step} of ${opts.steps} ` +
    `(seed ${opts.seed}, operation: ${first.op})` +
    (found.length > 1 ? `; ${found.length} steps differ in all` : '');
  // Consecutive steps failing with the same text are shown once, as a range.
  const groups: Array<{ from: number; to: number; op: string; diffs: string[]; refs: string }> = [];
  for (const f of found) {
    const last = groups[groups.length - 1];
    if (last && last.diffs.join('\n') === f.diffs.join('\n')) last.to = f.step;
    else groups.push({ from: f.step, to: f.step, op: f.op, diffs: f.diffs, refs: f.refsBefore });
  }
  const render = (gs: typeof groups) =>
    gs.flatMap((gr) => [
      ...(found.length > 1
        ? [
            gr.from === gr.to
              ? `at step ${gr.from} (${gr.op}):`
              : `at steps ${gr.from}–${gr.to} (first: ${gr.op}):`,
          ]
        : []),
      ...gr.diffs.map((d) => `  - ${d}`),
      // With the working repository (PLUE_DIFF_KEEP_DIR=1), enough to replay the step alone.
      `  (refs on both servers before step ${gr.from}: ${gr.refs})`,
    ]);
  const diffs = render(groups.slice(0, 12));
  const time = `time: operations ${ms.ops} ms, compaction waits ${ms.compaction} ms, reading both servers ${ms.views} ms`;
  const head = [
    header,
    time,
    opts.replay ? `replay: ${opts.replay}` : '',
    '',
    'differences:',
    ...diffs,
    '',
  ];
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    const all = [header, '', 'differences:', ...render(groups), '', 'operation log:', ...log, ''];
    writeFileSync(opts.logFile, all.join('\n'));
  }
  const shown = log.length > 40 ? ['  …', ...log.slice(-40)] : log;
  const where = opts.logFile ? ` (whole log in ${opts.logFile})` : '';
  return [...head, `operation log${where}:`, ...shown].join('\n');
}

/** Where the per-step refs go beside the log (`….refs.log`, ignored by git like the log). */
export function refsFile(logFile: string): string {
  return logFile.replace(/(\.log)?$/, '.refs.log');
}
