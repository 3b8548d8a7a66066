/**
 * Commit statuses on pages. Commit pages are cached by commit id forever, so they carry only an
 * empty slot (`StatusesSlot`); the browse script fills it from the live fragment
 * (`StatusesFragment`, served by `GET /{owner}/{repo}/commit/{sha}/statuses`, never cached).
 * Without JavaScript the slot shows a link to the commit's runs. Each context shows a symbol
 * and its name (never colour alone) and links to its run.
 */
import type { StatusRow, StatusState } from '../../db/queries/commit-statuses';

const SYMBOL: Record<StatusState, string> = {
  success: '✓',
  failure: '✗',
  error: '✗',
  pending: '●',
};
const CLASS: Record<StatusState, string> = {
  success: 'state-success',
  failure: 'state-failure',
  error: 'state-failure',
  pending: 'muted',
};

/** The placeholder the browse script fills; `base` is `/{owner}/{repo}` (already encoded). */
export function StatusesSlot(props: { base: string; sha: string }) {
  return (
    <span class="statuses" data-statuses={`${props.base}/commit/${props.sha}/statuses`}>
      <noscript>
        <a href={`${props.base}/actions?head_sha=${props.sha}`}>Runs for this commit</a>
      </noscript>
    </span>
  );
}

/** The live fragment: "checks", the combined state when there are several, each context. */
export function StatusesFragment(props: { state: StatusState; latest: StatusRow[] }) {
  if (props.latest.length === 0) return <></>;
  return (
    <span class="statuses-list" data-state={props.state}>
      <span class="muted">checks</span>{' '}
      {props.latest.length > 1 ? (
        <>
          <strong class={CLASS[props.state]} title={`All checks: ${props.state}`}>
            {`${SYMBOL[props.state]} ${props.state}`}
          </strong>
          {' · '}
        </>
      ) : null}
      {props.latest.map((s) => {
        const label = `${s.context}: ${s.state}${s.description ? ` — ${s.description}` : ''}`;
        const body = `${SYMBOL[s.state]} ${s.context}`;
        return (
          <>
            {s.target_url ? (
              <a
                class={CLASS[s.state]}
                href={s.target_url}
                title={label}
                aria-label={label}
                rel="nofollow noopener"
                data-context={s.context}
              >
                {body}
              </a>
            ) : (
              <span class={CLASS[s.state]} title={label} data-context={s.context}>
                {body}
              </span>
            )}{' '}
          </>
        );
      })}
    </span>
  );
}

/** The combined state as a symbol and word, for lists (the runs list). */
export function CombinedState(props: { state: StatusState | undefined }) {
  if (!props.state) return <span class="muted">–</span>;
  return <span class={CLASS[props.state]}>{`${SYMBOL[props.state]} ${props.state}`}</span>;
}
