/** Pieces shared by the run pages: state words with symbols, durations, times, the tab bar. */
import type { RepoRow } from '../../db/queries/repositories';
import type { Conclusion, RunStatus } from '../../db/queries/runs';

export type DisplayState = Conclusion | 'running' | 'queued';

const SYMBOL: Record<DisplayState, string> = {
  success: '✓',
  failure: '✗',
  cancelled: '⊘',
  skipped: '–',
  timed_out: '⏱',
  running: '●',
  queued: '○',
};

export function stateOf(r: { status: RunStatus; conclusion: Conclusion | null }): DisplayState {
  return r.conclusion ?? (r.status === 'completed' ? 'success' : r.status);
}

/** A state as symbol + word (never colour alone). */
export function StateWord({ state }: { state: DisplayState }) {
  return <>{`${SYMBOL[state]} ${state.replace('_', ' ')}`}</>;
}

export function duration(from: Date, to: Date | null, now = new Date()): string {
  const s = Math.max(0, Math.round(((to ?? now).getTime() - from.getTime()) / 1000));
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m ${s % 60}s`
      : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function RelativeTime({ at, now = new Date() }: { at: Date; now?: Date }) {
  const s = Math.round((now.getTime() - at.getTime()) / 1000);
  const text =
    s < 60
      ? 'just now'
      : s < 3600
        ? `${Math.floor(s / 60)} min ago`
        : s < 86400
          ? `${Math.floor(s / 3600)} h ago`
          : `${Math.floor(s / 86400)} d ago`;
  return (
    <time datetime={at.toISOString()} title={at.toISOString()}>
      {text}
    </time>
  );
}

export function RunsNav({ repo }: { repo: RepoRow }) {
  const full = `${repo.owner_login}/${repo.name}`;
  return (
    <nav aria-label="Repository" class="repo-nav">
      <a class="owner" href={`/${encodeURIComponent(repo.owner_login)}`}>
        {repo.owner_login}
      </a>{' '}
      /{' '}
      <a href={`/${full}`}>
        <strong>{repo.name}</strong>
      </a>{' '}
      {repo.private ? <span class="muted">(private)</span> : null} ·{' '}
      <a href={`/${full}/actions`}>Runs</a> · <a href={`/${full}/actions/workflows`}>Workflows</a>
    </nav>
  );
}
