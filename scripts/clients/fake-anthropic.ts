/**
 * A loopback server that speaks Anthropic's Messages API (`POST /v1/messages`) with streaming,
 * scripted per test: each request takes the next reply of the script (or the reply a function
 * chooses). A reply is an HTTP error (429 with retry-after, 529 overloaded, 5xx) or a streamed
 * message: Server-Sent Events `message_start`, `ping`, for each content block
 * `content_block_start` → `content_block_delta`* (`text_delta`, or `input_json_delta` with the
 * tool input's JSON cut into pieces) → `content_block_stop`, then `message_delta` (stop_reason
 * `end_turn` | `tool_use` | `max_tokens`, usage) and `message_stop`; or an `error` event in the
 * middle of the stream. It checks what a real client must send (the key as x-api-key or a Bearer
 * token, anthropic-version,
 * a JSON body with model, max_tokens, messages) and records every request for assertions.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeBlock =
  | { text: string }
  /** `input` is sent as JSON; `raw` is sent as is (malformed input tests). */
  | { tool: string; input?: unknown; raw?: string; id?: string };

export type FakeReply =
  | {
      blocks: FakeBlock[];
      stop?: 'end_turn' | 'tool_use' | 'max_tokens';
      usage?: { input: number; output: number };
      /** Delay before the first byte (a provider's own latency). */
      delayMs?: number;
      /** Send an `error` event of this type after the first block instead of finishing. */
      errorMidStream?: string;
      /** Answer only once this settles (a test holds a run at a known point). */
      after?: Promise<unknown>;
    }
  | { status: number; type?: string; message?: string; retryAfterMs?: number };

export interface FakeRequest {
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    max_tokens: number;
    system?: unknown;
    messages: { role: string; content: unknown }[];
    tools?: { name: string; input_schema: unknown }[];
    stream?: boolean;
  };
}

export interface FakeAnthropic {
  url: string;
  requests: FakeRequest[];
  /** Replies not consumed yet. */
  readonly pending: number;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function sse(event: string, data: Record<string, unknown>): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
}

/** Splits `s` into pieces of about `n` characters (a real stream sends many small deltas). */
function pieces(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out.length > 0 ? out : [''];
}

function frames(
  reply: Extract<FakeReply, { blocks: FakeBlock[] }>,
  model: string,
  n: number,
): string[] {
  const usage = reply.usage ?? { input: 100, output: 20 };
  const hasTool = reply.blocks.some((b) => 'tool' in b);
  const out = [
    sse('message_start', {
      message: {
        id: `msg_fake${n}`,
        type: 'message',
        role: 'assistant',
        content: [],
        model,
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input, output_tokens: 1 },
      },
    }),
    sse('ping', {}),
  ];
  reply.blocks.forEach((b, index) => {
    if ('text' in b) {
      out.push(sse('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const text of pieces(b.text, 7)) {
        out.push(sse('content_block_delta', { index, delta: { type: 'text_delta', text } }));
      }
    } else {
      const id = b.id ?? `toolu_fake${n}_${index}`;
      out.push(
        sse('content_block_start', {
          index,
          content_block: { type: 'tool_use', id, name: b.tool, input: {} },
        }),
      );
      const json = b.raw ?? JSON.stringify(b.input ?? {});
      for (const partial_json of pieces(json, 11)) {
        out.push(
          sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }),
        );
      }
    }
    out.push(sse('content_block_stop', { index }));
    if (index === 0 && reply.errorMidStream) {
      out.push(sse('error', { error: { type: reply.errorMidStream, message: 'Overloaded' } }));
    }
  });
  if (reply.errorMidStream)
    return out.slice(0, out.findIndex((f) => f.startsWith('event: error')) + 1);
  out.push(
    sse('message_delta', {
      delta: {
        stop_reason: reply.stop ?? (hasTool ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
      },
      usage: { output_tokens: usage.output },
    }),
    sse('message_stop', {}),
  );
  return out;
}

/** Starts the fake on 127.0.0.1; `script` is consumed in order, or called per request. */
export async function startFakeAnthropic(opts: {
  script: FakeReply[] | ((req: FakeRequest, i: number) => FakeReply);
  apiKey?: string;
}): Promise<FakeAnthropic> {
  const requests: FakeRequest[] = [];
  const queue = Array.isArray(opts.script) ? [...opts.script] : undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fail = (status: number, message: string, type = ERROR_TYPES[status] ?? 'api_error') => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'request-id': `req_fake${requests.length}`,
        });
        res.end(JSON.stringify({ type: 'error', error: { type, message } }));
      };
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') {
        fail(404, `no route ${req.method ?? ''} ${req.url ?? ''}`, 'not_found_error');
        return;
      }
      // The key as `x-api-key`, or as a Bearer token (what @anthropic-ai/sdk 1.x sends).
      const key =
        req.headers['x-api-key'] ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (opts.apiKey !== undefined && key !== opts.apiKey) {
        fail(401, 'invalid x-api-key');
        return;
      }
      if (typeof req.headers['anthropic-version'] !== 'string') {
        fail(400, 'anthropic-version header is required');
        return;
      }
      let body: FakeRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeRequest['body'];
      } catch {
        fail(400, 'body is not JSON');
        return;
      }
      if (
        typeof body.model !== 'string' ||
        typeof body.max_tokens !== 'number' ||
        !Array.isArray(body.messages)
      ) {
        fail(400, 'model, max_tokens and messages are required');
        return;
      }
      const entry: FakeRequest = { headers: req.headers, body };
      const i = requests.push(entry) - 1;
      const reply = queue
        ? queue.shift()
        : (opts.script as (r: FakeRequest, i: number) => FakeReply)(entry, i);
      if (!reply) {
        fail(500, 'the fake provider has no scripted reply left');
        return;
      }
      if ('status' in reply) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (reply.retryAfterMs !== undefined) {
          headers['retry-after-ms'] = String(reply.retryAfterMs);
          headers['retry-after'] = String(Math.ceil(reply.retryAfterMs / 1000));
        }
        res.writeHead(reply.status, headers);
        res.end(
          JSON.stringify({
            type: 'error',
            error: {
              type: reply.type ?? ERROR_TYPES[reply.status] ?? 'api_error',
              message: reply.message ?? 'Overloaded',
            },
          }),
        );
        return;
      }
      const send = () => {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          'request-id': `req_fake${i}`,
        });
        for (const f of frames(reply, body.model, i)) res.write(f);
        res.end();
      };
      const go = () => (reply.delayMs ? setTimeout(send, reply.delayMs) : send());
      if (reply.after) void reply.after.then(go, go);
      else go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get pending() {
      return queue?.length ?? 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
