/**
 * What a new user's walk through the pages must not meet: tabs and links that lead to 404,
 * buttons a reader cannot use, and error pages that forget who is signed in or blame Plue for
 * the user's input.
 */
import { describe, expect, it } from 'vitest';
import type { RepoRow } from '../../db/queries/repositories';
import type { RunRow } from '../../db/queries/runs';
import type { WorkflowRow } from '../../db/queries/workflows';
import { RepoPage } from './browse/common';
import { ErrorPage, errorHint } from './error-page';
import { RunActions } from './run-actions';
import { RunsNav } from './runs-common';
import { WorkflowsPage } from './workflows-page';

const user = { id: '1', login: 'alice', wallet_address: '0x' + 'a'.repeat(40) };
const now = new Date('2026-12-07T00:00:00Z');
const repo: RepoRow = {
  id: '7',
  owner_id: '1',
  owner_login: 'alice',
  name: 'app',
  description: '',
  private: false,
  default_branch: 'main',
  created_at: now,
  updated_at: now,
  pushed_at: null,
};
const run: RunRow = {
  id: '3',
  repo_id: '7',
  run_number: 1,
  workflow_name: 'ci',
  workflow_file: '.plue/workflows/ci.py',
  event: 'push',
  head_sha: 'a'.repeat(40),
  head_branch: 'main',
  status: 'completed',
  conclusion: 'success',
  plan: { steps: [] },
  attempt: 1,
  lease_owner: null,
  lease_epoch: '0',
  lease_expires_at: null,
  cancel_requested_at: null,
  token_hash: '',
  log_bytes: '0',
  log_archived_at: null,
  created_at: now,
  updated_at: now,
  started_at: now,
  completed_at: now,
};
const manualWorkflow: WorkflowRow = {
  repo_id: '7',
  file: '.plue/workflows/ci.py',
  name: 'ci',
  line: 3,
  triggers: [{ type: 'manual', inputs: {} }],
  error: null,
  head_sha: 'a'.repeat(40),
  updated_at: now,
};

const html = async (node: unknown): Promise<string> => String(await node);

describe('repository pages link only to pages that exist', () => {
  it('has Code, Issues and Runs tabs, Settings only for admins, and links the owner to the profile', async () => {
    const page = await html(
      RepoPage({
        title: 'app',
        repo: { owner: 'alice', name: 'app', private: false, description: 'An <app>' },
      }),
    );
    const tabs = /<nav class="tabs"[^>]*>(.*?)<\/nav>/s.exec(page)?.[1] ?? '';
    expect(tabs).toContain('>Code<');
    expect(tabs).toContain('>Runs<');
    expect(tabs).toContain('>Issues<');
    expect(tabs).toContain('>Landings<');
    expect(tabs).not.toMatch(/Settings/);
    expect(page).toContain('href="/alice/app/landings"');
    expect(page).toContain('href="/alice/app/issues"');
    expect(page).not.toContain('/alice/app/settings');
    expect(page).toContain('href="/alice"');
    expect(page).toContain('<p class="repo-desc">An &lt;app&gt;</p>');
    const admin = await html(
      RepoPage({
        title: 'app',
        repo: { owner: 'alice', name: 'app', private: false, admin: true },
      }),
    );
    expect(admin).toContain('href="/alice/app/settings"');
    const nav = await html(RunsNav({ repo }));
    expect(nav).toContain('href="/alice"');
    expect(nav).toContain('href="/alice/app/actions"');
  });
});

describe('buttons a reader cannot use are not shown', () => {
  it('run page: Re-run and Cancel only with write permission', async () => {
    expect(await html(RunActions({ canWrite: true, repo, run }))).toContain('Re-run');
    expect(await html(RunActions({ canWrite: false, repo, run }))).not.toContain('Re-run');
    const running: RunRow = { ...run, status: 'running', conclusion: null, completed_at: null };
    expect(await html(RunActions({ canWrite: true, repo, run: running }))).toContain('Cancel run');
    expect(await html(RunActions({ canWrite: false, repo, run: running }))).not.toContain('Cancel');
  });

  it('workflows page: Run workflow only with write permission', async () => {
    const props = { user: { login: 'bob' }, repo, workflows: [manualWorkflow] };
    expect(await html(WorkflowsPage({ ...props, canWrite: true }))).toContain('Run workflow');
    const reader = await html(WorkflowsPage({ ...props, canWrite: false }));
    expect(reader).not.toContain('Run workflow');
    expect(reader).not.toContain('/dispatch');
  });
});

describe('error pages', () => {
  it('show the signed-in header', async () => {
    const page = await html(
      ErrorPage({ status: 404, code: 'not_found', message: 'No such page', requestId: 'r1', user }),
    );
    expect(page).toContain('>alice<');
    expect(page).toContain('Sign out');
    expect(page).not.toContain('>Sign in<');
  });

  it('blame the input for a 4xx and Plue only for a 5xx', async () => {
    for (const status of [400, 409, 413, 422]) {
      expect(errorHint(status)).not.toMatch(/our side/);
    }
    expect(errorHint(400)).toMatch(/not valid/);
    expect(errorHint(500)).toMatch(/our side/);
    const page = await html(
      ErrorPage({ status: 400, code: 'invalid', message: 'Bad ref', requestId: 'r2' }),
    );
    expect(page).not.toContain('our side');
  });
});
