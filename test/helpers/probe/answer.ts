/**
 * Sending one probe request and reducing its answer to what must not differ between a hidden
 * repository and a missing one: the status, the media type, a few headers, and the body's shape
 * (JSON: its structure with the error code; text and HTML: the text with the repository's name
 * and the request id replaced).
 */
import { request as httpRequest } from 'node:http';
import type { ProbeActor } from './fixture';
import type { RepoRoute } from './routes';

export interface Answer {
  status: number;
  type: string;
  headers: Record<string, string>;
  body: string;
}

const MAX_BODY = 256 * 1024;
const SHOWN_HEADERS = ['www-authenticate', 'location', 'allow', 'content-range'];

/** Headers for `actor` on `spec`'s surface (a token as HTTP Basic for git, else the session). */
export function actorHeaders(actor: ProbeActor, spec: RepoRoute, origin: string) {
  const h: Record<string, string> = { 'CF-Connecting-IP': actor.ip };
  if (spec.git && actor.token) {
    h.authorization = `Basic ${Buffer.from(`x:${actor.token}`).toString('base64')}`;
  } else if (actor.user) {
    h.cookie = actor.user.cookie;
  }
  h.origin = origin;
  return { ...h, ...spec.headers };
}

/** The request body and its content type for a route. */
export function bodyOf(spec: RepoRoute, service: string): { body?: string; type?: string } {
  const b = spec.body;
  if (!b) return {};
  if ('json' in b) return { body: JSON.stringify(b.json), type: 'application/json' };
  if ('form' in b) {
    return {
      body: new URLSearchParams(b.form).toString(),
      type: 'application/x-www-form-urlencoded',
    };
  }
  return { body: b.git, type: `application/x-${service}-request` };
}

/** Sends a request with node:http (so Host and any header can be set) and reads the answer. */
export function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  opts: { stream?: boolean; timeoutMs?: number } = {},
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers:
          body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const type = (res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
        const shown: Record<string, string> = {};
        for (const k of SHOWN_HEADERS) {
          const v = res.headers[k];
          if (v !== undefined) shown[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            type,
            headers: shown,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        // A live stream never ends: its headers are the answer.
        if (opts.stream && type === 'text/event-stream') {
          res.destroy();
          return done();
        }
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
          else res.destroy();
        });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 20_000, () =>
      req.destroy(new Error(`timeout: ${method} ${path}`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

function shapeOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shapeOf);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === 'code' ? x : shapeOf(x);
    return out;
  }
  return typeof v;
}

/**
 * What a hidden repository's answer must share with a missing one's: `names` (the repository
 * names of this comparison) are replaced so only the rest is compared.
 */
export function signature(a: Answer, names: string[]): string {
  let body = a.body;
  for (const n of names) body = body.split(n).join('<repo>');
  body = body.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
  if (a.type === 'application/json') {
    try {
      body = JSON.stringify(shapeOf(JSON.parse(body)));
    } catch {
      /* compare as text */
    }
  }
  const headers = Object.fromEntries(
    Object.entries(a.headers).map(([k, v]) => [
      k,
      names.reduce((s, n) => s.split(n).join('<repo>'), v),
    ]),
  );
  return JSON.stringify({ status: a.status, type: a.type, headers, body });
}
