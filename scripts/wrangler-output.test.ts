import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pipeFiltered, wranglerOutputFilter } from './wrangler-output';

// Lines as wrangler 4.164 prints them under `npm start` (captured 2026-12-07).
const OUTPUT = [
  '⎔ Starting local server...',
  '\u001b[33m▲ \u001b[43;33m[\u001b[43;30mWARNING\u001b[43;33m]\u001b[0m \u001b[1mScheduled Workers are not automatically triggered during local development.\u001b[0m',
  '',
  '  To manually trigger a scheduled event, run:',
  '    curl "http://127.0.0.1:18787/cdn-cgi/local/scheduled"',
  '  For more details, see \u001b[4mhttps://developers.cloudflare.com/workers/configuration/cron-triggers/#test-cron-triggers-locally\u001b[0m',
  '',
  '[wrangler:info] Ready on http://127.0.0.1:18787',
  '{"time":"2026-12-07T11:48:02.697Z","level":"info","msg":"request","method":"GET","path":"/","status":200,"ms":217}',
  '[wrangler:info] GET / 200 OK (226ms)',
  '[wrangler:info] POST /internal/controller/events/claim 204 No Content (201ms)',
  '[wrangler:info] POST /internal/controller/runs/claim 204 No Content (130ms)',
  '\u001b[2m[wrangler:info]\u001b[22m GET /a/b.git/info/refs?service=git-upload-pack 401 Unauthorized (3ms)',
  '✘ [ERROR] something the user must see',
];

describe("npm start's view of wrangler's output", () => {
  it('keeps one line per request (the Worker’s), drops the schedule warning and inner address', () => {
    const keep = wranglerOutputFilter();
    expect(OUTPUT.filter(keep)).toEqual([
      '⎔ Starting local server...',
      OUTPUT[8],
      '✘ [ERROR] something the user must see',
    ]);
  });

  it('filters across chunk boundaries', async () => {
    const from = new PassThrough();
    const to = new PassThrough();
    let got = '';
    to.on('data', (d: Buffer) => (got += d.toString()));
    pipeFiltered(from, to, wranglerOutputFilter());
    const text = OUTPUT.slice(7).join('\n') + '\n';
    for (let i = 0; i < text.length; i += 7) from.write(text.slice(i, i + 7));
    const ended = new Promise((r) => from.on('end', r));
    from.end();
    await ended;
    expect(got.split('\n').filter((l) => l !== '')).toEqual([OUTPUT[8], OUTPUT[13]]);
  });
});
