/**
 * The forge tools' client in the controller: each call goes to the Worker's
 * `/internal/runs/:id/forge/:tool` with the run's own token (the only credential the controller
 * acts with for a run) and the calling step's id. The server decides (the step's prompt must
 * declare the tool; the thread is the run's): a refusal is the tool's error result, which the
 * model reads, and never throws.
 */
import type { ForgeCaller, ToolAnswer } from './agent-tools';
import type { ForgeTool } from './prompt-file';

export interface ForgeEndpoint {
  baseUrl: string;
  runId: string;
  token: string;
}

/** A caller for step `stepId` of the run at `endpoint`. */
export function forgeCaller(
  endpoint: ForgeEndpoint,
  stepId: string,
  signal?: AbortSignal,
): ForgeCaller {
  return {
    async call(tool: ForgeTool, input: Record<string, unknown>): Promise<ToolAnswer> {
      const url = `${endpoint.baseUrl.replace(/\/+$/, '')}/internal/runs/${endpoint.runId}/forge/${tool}`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.token}` },
        body: JSON.stringify({ ...input, step_id: stepId }),
        ...(signal ? { signal } : {}),
      });
      const text = await res.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // not JSON: reported below with the status
      }
      if (!res.ok) {
        const err = json.error as { message?: unknown } | undefined;
        const message = typeof err?.message === 'string' ? err.message : text.slice(0, 300);
        return { ok: false, text: `refused by the forge (${res.status}): ${message}` };
      }
      return {
        ok: true,
        text: `${tool}: done ${typeof json.html_url === 'string' ? json.html_url : ''}`.trim(),
      };
    },
  };
}

/**
 * Asks the Worker whether step `stepId` may start its model calls (per-repository limits): the
 * refusal's message, or undefined to go on. Answers other than a 429 (an older Worker, a
 * transient error) let the step go on: the limits are the Worker's to enforce when it can.
 */
export async function agentBudgetRefusal(
  endpoint: ForgeEndpoint,
  stepId: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const url = `${endpoint.baseUrl.replace(/\/+$/, '')}/internal/runs/${endpoint.runId}/agent-budget`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.token}` },
    body: JSON.stringify({ step_id: stepId }),
    ...(signal ? { signal } : {}),
  }).catch(() => undefined);
  if (!res) return undefined;
  const text = await res.text().catch(() => '');
  if (res.status !== 429) return undefined;
  try {
    const err = (JSON.parse(text) as { error?: { message?: unknown } }).error;
    if (typeof err?.message === 'string') return err.message;
  } catch {
    // not JSON: the generic message below
  }
  return 'the repository reached its limit for agent runs; re-run later';
}
