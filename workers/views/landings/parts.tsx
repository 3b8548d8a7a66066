/** Pieces shared by the landing pages: the state badge and the revision's short ids. */
import type { LandingRow } from '../../../db/queries/landings';

/** "Open" / "Draft" / "Closed" / "Landed" with a symbol, never colour alone. */
export function LandingBadge({ landing }: { landing: LandingRow }) {
  if (landing.landing_state === 'landed') return <span class="issue-state closed">⇥ Landed</span>;
  if (landing.landing_state === 'closed') return <span class="issue-state closed">● Closed</span>;
  if (landing.draft) return <span class="issue-state open">◌ Draft</span>;
  return <span class="issue-state open">○ Open</span>;
}

/** Where the landing comes from: its branch, or its change (jj id or Gerrit id). */
export function SourceOf({ landing }: { landing: LandingRow }) {
  if (landing.source_branch !== null) return <code>{landing.source_branch}</code>;
  return (
    <span>
      change <code class="chg">{(landing.change_id ?? '').slice(0, 12)}</code>
    </span>
  );
}
