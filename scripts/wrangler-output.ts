/**
 * What `npm start` shows of `wrangler dev`'s own output. The Worker logs one JSON line per
 * request (with its request id, and an idle controller's empty claims only at `debug`), so
 * wrangler's `[wrangler:info] GET /path 200 OK (12ms)` line for the same request is dropped: each
 * request is logged once, and an idle runner controller's polls print nothing. Wrangler's warning
 * that scheduled Workers are not triggered locally is dropped too, since `npm start` runs the
 * schedule itself (schedule-ticker.ts), and so is its "Ready on http://…" line: that is the
 * Worker's inner address behind the front door, not where users go (start.ts prints that).
 * Everything else passes through unchanged.
 */

const REQUEST_LINE =
  /^(?:\u001b\[[0-9;]*m)*\[wrangler:info\](?:\u001b\[[0-9;]*m)* (?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \S+ \d{3}\b/;
const READY_LINE = /^(?:\u001b\[[0-9;]*m)*\[wrangler:info\](?:\u001b\[[0-9;]*m)* Ready on /;
const SCHEDULE_WARNING = 'Scheduled Workers are not automatically triggered';
/** The last line of wrangler's schedule warning (its link to the cron docs). */
const SCHEDULE_WARNING_END = /cron-triggers/;

/** A line filter with the state the multi-line schedule warning needs; true keeps the line. */
export function wranglerOutputFilter(): (line: string) => boolean {
  let inWarning = false;
  let dropBlank = false;
  return (line) => {
    if (inWarning) {
      if (SCHEDULE_WARNING_END.test(line)) {
        inWarning = false;
        dropBlank = true;
      }
      return false;
    }
    if (line.includes(SCHEDULE_WARNING)) {
      inWarning = true;
      return false;
    }
    if (dropBlank) {
      dropBlank = false;
      if (line.trim() === '') return false;
    }
    return !REQUEST_LINE.test(line) && !READY_LINE.test(line);
  };
}

/** Copies `from` to `to` line by line, keeping what `keep` keeps. */
export function pipeFiltered(
  from: NodeJS.ReadableStream,
  to: NodeJS.WritableStream,
  keep: (line: string) => boolean,
): void {
  let rest = '';
  from.setEncoding('utf8');
  from.on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() ?? '';
    const out = parts.filter(keep);
    if (out.length > 0) to.write(out.map((l) => `${l}\n`).join(''));
  });
  from.on('end', () => {
    if (rest !== '' && keep(rest)) to.write(rest);
  });
}
