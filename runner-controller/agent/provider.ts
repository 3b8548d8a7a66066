/**
 * The model provider: Anthropic's Messages API with streaming, through the official
 * `@anthropic-ai/sdk` (it runs under Node 20 and takes a base URL, so tests point it at a
 * loopback fake). The SDK retries 408/409/429/5xx (529 included) with exponential back-off and
 * honours `retry-after`; an `error` event inside a stream (e.g. `overloaded_error`) is retried
 * here, a turn at a time. What persists becomes a ProviderError whose message says what the
 * provider answered and how often it was tried.
 *
 * Configuration comes from the controller's environment (agentConfigFromEnv) and stays in the
 * controller: the key is never put in a step's environment, file or command line.
 */
import Anthropic from '@anthropic-ai/sdk';

export interface AgentConfig {
  baseUrl: string;
  /** undefined: model steps fail with a clear message. */
  apiKey: string | undefined;
  /** Logical model name → provider model id; `default` is used when a prompt names none. */
  models: Record<string, string>;
  /** Dollars per million tokens [input, output] by provider model id, for the cost estimate. */
  prices: Record<string, [number, number]>;
  maxRetries: number;
  maxTokens: number;
  /** Per-request timeout. */
  timeoutMs: number;
}

const DEFAULT_MODELS: Record<string, string> = { default: 'claude-sonnet-4-5' };
const DEFAULT_PRICES: Record<string, [number, number]> = {
  'claude-sonnet-4-5': [3, 15],
  'claude-opus-4-1': [15, 75],
  'claude-haiku-4-5': [1, 5],
};

/** `name=value,name=value` (whitespace allowed) into a record; bad pairs are reported. */
function pairs(text: string | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0)
      throw new Error(`${what}: expected name=value, got ${JSON.stringify(part.trim())}`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * PLUE_LLM_BASE_URL (or ANTHROPIC_BASE_URL; default https://api.anthropic.com), ANTHROPIC_API_KEY
 * (or PLUE_LLM_API_KEY), PLUE_LLM_MODELS (`default=claude-sonnet-4-5,fast=claude-haiku-4-5`),
 * PLUE_LLM_PRICES (`model=in/out` dollars per million tokens), PLUE_LLM_MAX_RETRIES (4),
 * PLUE_LLM_MAX_TOKENS (8192), PLUE_LLM_TIMEOUT_MS (600000).
 */
export function agentConfigFromEnv(env: Record<string, string | undefined>): AgentConfig {
  const prices: Record<string, [number, number]> = { ...DEFAULT_PRICES };
  for (const [model, v] of Object.entries(pairs(env.PLUE_LLM_PRICES, 'PLUE_LLM_PRICES'))) {
    const [i, o] = v.split('/').map(Number);
    if (!Number.isFinite(i) || !Number.isFinite(o))
      throw new Error(`PLUE_LLM_PRICES: ${model}=${v}`);
    prices[model] = [i as number, o as number];
  }
  const num = (v: string | undefined, d: number) => (v && Number(v) >= 0 ? Number(v) : d);
  return {
    baseUrl: env.PLUE_LLM_BASE_URL || env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com',
    apiKey: env.ANTHROPIC_API_KEY || env.PLUE_LLM_API_KEY || undefined,
    models: { ...DEFAULT_MODELS, ...pairs(env.PLUE_LLM_MODELS, 'PLUE_LLM_MODELS') },
    prices,
    maxRetries: num(env.PLUE_LLM_MAX_RETRIES, 4),
    maxTokens: num(env.PLUE_LLM_MAX_TOKENS, 8192),
    timeoutMs: num(env.PLUE_LLM_TIMEOUT_MS, 600_000),
  };
}

/** The provider model id for a logical name (an unknown name is taken as an id itself). */
export function resolveModel(config: AgentConfig, name: string | null): string {
  const logical = name ?? 'default';
  return config.models[logical] ?? logical;
}

export class ProviderError extends Error {}

export type ContentBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface ToolUse {
  id: string;
  name: string;
  /** Parsed input, or undefined when the model sent JSON that does not parse (`raw` has it). */
  input: Record<string, unknown> | undefined;
  raw: string;
}

export interface TurnResult {
  text: string;
  toolUses: ToolUse[];
  stopReason: string | null;
  inputTokens: number;
  outputTokens: number;
  /** The assistant message to send back (tool_use inputs as objects; malformed ones as {}). */
  content: ContentBlock[];
}

export type MessageParam = Anthropic.MessageParam;
export type ToolParam = Anthropic.Tool;

export interface TurnRequest {
  model: string;
  system: string;
  messages: MessageParam[];
  tools: ToolParam[];
  /** Make the model call this tool (an llm step's structured output). */
  toolChoice?: string | undefined;
  signal: AbortSignal;
  onText(text: string): void | Promise<void>;
  /** Told when a turn is retried after a provider error inside the stream. */
  onRetry(message: string): void | Promise<void>;
}

/** A Messages API client for one run; holds the key, never hands it out. */
export class Provider {
  private readonly client: Anthropic | undefined;

  constructor(readonly config: AgentConfig) {
    this.client = config.apiKey
      ? new Anthropic({
          apiKey: config.apiKey,
          baseURL: config.baseUrl,
          maxRetries: config.maxRetries,
          timeout: config.timeoutMs,
        })
      : undefined;
  }

  /** One streamed model turn; retries what the SDK cannot (errors inside the stream). */
  async turn(req: TurnRequest): Promise<TurnResult> {
    const client = this.client;
    if (!client) {
      throw new ProviderError(
        'no model provider key: set ANTHROPIC_API_KEY in the runner controller environment',
      );
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await streamTurn(client, this.config.maxTokens, req);
      } catch (err) {
        if (req.signal.aborted) throw err;
        const retryable = streamRetryable(err);
        if (!retryable || attempt >= this.config.maxRetries)
          throw describeFailure(err, attempt + 1);
        await req.onRetry(`provider error (${retryable}); retrying the turn`);
        await backoff(attempt, req.signal);
      }
    }
  }
}

async function streamTurn(
  client: Anthropic,
  maxTokens: number,
  req: TurnRequest,
): Promise<TurnResult> {
  const stream = await client.messages.create(
    {
      model: req.model,
      max_tokens: maxTokens,
      system: req.system,
      messages: req.messages,
      ...(req.tools.length > 0 ? { tools: req.tools } : {}),
      ...(req.toolChoice ? { tool_choice: { type: 'tool' as const, name: req.toolChoice } } : {}),
      stream: true,
    },
    { signal: req.signal },
  );
  const blocks = new Map<
    number,
    { type: string; text: string; id: string; name: string; json: string }
  >();
  const out: TurnResult = {
    text: '',
    toolUses: [],
    stopReason: null,
    inputTokens: 0,
    outputTokens: 0,
    content: [],
  };
  for await (const ev of stream) {
    if (ev.type === 'message_start') {
      out.inputTokens = ev.message.usage.input_tokens ?? 0;
      out.outputTokens = ev.message.usage.output_tokens ?? 0;
    } else if (ev.type === 'content_block_start') {
      const b = ev.content_block;
      blocks.set(ev.index, {
        type: b.type,
        text: b.type === 'text' ? b.text : '',
        id: b.type === 'tool_use' ? b.id : '',
        name: b.type === 'tool_use' ? b.name : '',
        json: '',
      });
    } else if (ev.type === 'content_block_delta') {
      const b = blocks.get(ev.index);
      if (!b) continue;
      if (ev.delta.type === 'text_delta') {
        b.text += ev.delta.text;
        await req.onText(ev.delta.text);
      } else if (ev.delta.type === 'input_json_delta') {
        b.json += ev.delta.partial_json;
      }
    } else if (ev.type === 'message_delta') {
      out.stopReason = ev.delta.stop_reason ?? null;
      if (typeof ev.usage.output_tokens === 'number') out.outputTokens = ev.usage.output_tokens;
      if (typeof ev.usage.input_tokens === 'number' && ev.usage.input_tokens > 0) {
        out.inputTokens = ev.usage.input_tokens;
      }
    }
  }
  for (const index of [...blocks.keys()].sort((a, b) => a - b)) {
    const b = blocks.get(index);
    if (!b) continue;
    if (b.type === 'text') {
      out.text += b.text;
      out.content.push({ type: 'text', text: b.text });
    } else if (b.type === 'tool_use') {
      const input = parseToolInput(b.json);
      out.toolUses.push({ id: b.id, name: b.name, input, raw: b.json });
      out.content.push({ type: 'tool_use', id: b.id, name: b.name, input: input ?? {} });
    }
  }
  return out;
}

/** The tool input a model streamed: an object, or undefined when it is not one. */
export function parseToolInput(json: string): Record<string, unknown> | undefined {
  if (json.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(json);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A short reason when an error from inside a stream is worth another turn, else null. HTTP
 * errors (a status) were already retried by the SDK; an `error` event in a stream has none.
 */
function streamRetryable(err: unknown): string | null {
  if (!(err instanceof Anthropic.APIError) || err.status !== undefined) return null;
  const body = err.error as { error?: { type?: string } } | undefined;
  const type = body?.error?.type;
  if (type === 'overloaded_error' || type === 'api_error' || type === 'rate_limit_error')
    return type;
  return type === undefined ? err.message.slice(0, 100) : null;
}

function describeFailure(err: unknown, attempts: number): ProviderError {
  if (err instanceof Anthropic.APIError) {
    const body = err.error as { error?: { type?: string; message?: string } } | undefined;
    const what = body?.error?.message ?? err.message;
    const status = err.status !== undefined ? `HTTP ${err.status}` : 'stream error';
    return new ProviderError(
      `model provider failed (${status}${body?.error?.type ? ` ${body.error.type}` : ''}: ${what.slice(0, 300)}) after ${attempts} attempt(s) of the turn`,
    );
  }
  return new ProviderError(
    `model provider failed: ${err instanceof Error ? err.message : String(err)}`,
  );
}

function backoff(attempt: number, signal: AbortSignal): Promise<void> {
  const ms = Math.min(8000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
