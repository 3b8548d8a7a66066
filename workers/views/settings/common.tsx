/**
 * Pieces the settings sections share: dates shown as days, and the two-click confirmation that
 * guards revoking a token and deleting a key (a disclosure, so it works without JavaScript).
 */

/** An ISO timestamp as its day, or a dash when there is none. */
export const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

/** A button that asks again before posting: "Revoke…" opens the real, named button. */
export function ConfirmButton(p: { action: string; label: string; confirm: string; what: string }) {
  return (
    <details class="confirm">
      <summary>{p.label}…</summary>
      <form method="post" action={p.action}>
        <p>{p.what}</p>
        <button type="submit" class="danger">
          {p.confirm}
        </button>
      </form>
    </details>
  );
}
