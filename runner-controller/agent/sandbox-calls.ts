/**
 * Everything a model step does to the workspace happens inside the step's sandbox, through the
 * same backend as shell steps: reading the prompt file, rendering its template (kit/render.cjs:
 * a template is code), the file tools (kit/tools.py) and the shell tool. A call's input goes in a
 * fresh read-only directory mounted at /plue-call; the kit is mounted read-only at /opt/plue-agent.
 * The sandbox gets the step's environment and nothing of the controller's (no provider key).
 */
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxBackend } from '../sandbox/types';

const KIT_DIR = fileURLToPath(new URL('./kit/', import.meta.url));

/**
 * The directory holding nunjucks' standalone build: beside the kit in the controller's image
 * (the Dockerfile copies it there), else the package's own, resolved when first needed.
 */
function nunjucksDir(): string {
  if (existsSync(join(KIT_DIR, 'nunjucks.js'))) return KIT_DIR;
  return dirname(
    realpathSync(createRequire(import.meta.url).resolve('nunjucks/browser/nunjucks.js')),
  );
}
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface SandboxSite {
  backend: SandboxBackend;
  workspace: string;
  env: Record<string, string>;
  network: boolean;
  signal: AbortSignal;
  memoryBytes?: number | undefined;
}

export interface ShellResult {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  droppedBytes: number;
}

/** Runs `cmd` with `input` at /plue-call/input.json; returns its stdout (bounded) and status. */
async function runWithInput(
  site: SandboxSite,
  cmd: string,
  input: unknown,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; exitCode: number | null; timedOut: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'plue-call-'));
  try {
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'input.json'), JSON.stringify(input), { mode: 0o644 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const res = await site.backend.run({
      cmd,
      cwd: site.workspace,
      env: { ...site.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
      timeoutMs,
      memoryBytes: site.memoryBytes ?? 512 * 1024 * 1024,
      network: false,
      mounts: [
        { source: dir, target: '/plue-call' },
        { source: KIT_DIR, target: '/opt/plue-agent' },
        { source: nunjucksDir(), target: '/opt/plue-nunjucks' },
      ],
      maxOutputBytes: MAX_ANSWER_BYTES,
      signal: site.signal,
      onOutput: (stream, chunk) => {
        (stream === 'stdout' ? out : err).push(Buffer.from(chunk));
      },
    });
    return {
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8').slice(0, 2000),
      exitCode: res.exitCode,
      timedOut: res.timedOut,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A kit script's JSON answer, or an Error saying why there is none. */
async function kitCall(
  site: SandboxSite,
  cmd: string,
  input: unknown,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const r = await runWithInput(site, cmd, input, timeoutMs);
  if (r.timedOut) throw new Error(`timed out after ${timeoutMs} ms`);
  try {
    const v: unknown = JSON.parse(r.stdout);
    if (v !== null && typeof v === 'object') return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new Error(
    `the sandbox answered nothing usable (exit ${String(r.exitCode)}): ${r.stderr.trim()}`,
  );
}

/** Runs one file tool; `{ok, output}` or `{ok: false, error}` as the model should see it. */
export async function fileTool(
  site: SandboxSite,
  tool: string,
  input: Record<string, unknown>,
): Promise<{ ok: boolean; text: string }> {
  try {
    const a = await kitCall(
      site,
      'exec /usr/bin/python3 -s -B /opt/plue-agent/tools.py',
      { tool, input },
      30_000,
    );
    return a.ok === true
      ? { ok: true, text: String(a.output ?? '') }
      : { ok: false, text: String(a.error ?? 'failed') };
  } catch (err) {
    return { ok: false, text: err instanceof Error ? err.message : String(err) };
  }
}

/** A changed file of the workspace, as open_landing_request sends it. */
export interface WorkspaceChange {
  path: string;
  content_base64: string | null;
  executable?: boolean;
}

/** The workspace's changes against its checkout, read in the sandbox (kit/tools.py `changes`). */
export async function workspaceChanges(site: SandboxSite): Promise<WorkspaceChange[]> {
  const a = await kitCall(
    site,
    'exec /usr/bin/python3 -s -B /opt/plue-agent/tools.py',
    { tool: 'changes', input: {} },
    60_000,
  );
  if (a.ok !== true) throw new Error(String(a.error ?? 'could not read the changes'));
  const list: unknown = JSON.parse(String(a.output));
  if (!Array.isArray(list)) throw new Error('the sandbox answered no list of changes');
  return list as WorkspaceChange[];
}

/** Renders a nunjucks template with `vars` in the sandbox: `{text}` or `{error, line}`. */
export async function renderTemplate(
  site: SandboxSite,
  template: string,
  vars: Record<string, unknown>,
): Promise<{ text: string } | { error: string; line: number | null }> {
  const a = await kitCall(
    site,
    // `node` from the sandbox's PATH: /usr/bin on a host, /usr/local/bin in the controller's image.
    'exec node /opt/plue-agent/render.cjs',
    { template, vars },
    30_000,
  );
  if (typeof a.text === 'string') return { text: a.text };
  return {
    error: String(a.error ?? 'template error'),
    line: typeof a.line === 'number' ? a.line : null,
  };
}

/** The shell tool: `sh -c command` in the workspace, output (stdout and stderr) interleaved. */
export async function shellTool(
  site: SandboxSite,
  command: string,
  timeoutMs: number,
  maxBytes: number,
): Promise<ShellResult> {
  const chunks: Buffer[] = [];
  const res = await site.backend.run({
    cmd: command,
    cwd: site.workspace,
    env: site.env,
    timeoutMs,
    ...(site.memoryBytes !== undefined ? { memoryBytes: site.memoryBytes } : {}),
    network: site.network,
    maxOutputBytes: maxBytes,
    signal: site.signal,
    onOutput: (_stream, chunk) => {
      chunks.push(Buffer.from(chunk));
    },
  });
  return {
    exitCode: res.exitCode,
    timedOut: res.timedOut,
    output: Buffer.concat(chunks).toString('utf8'),
    droppedBytes: res.droppedBytes,
  };
}
