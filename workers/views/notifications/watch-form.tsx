/** The repository watch setting as a small form (Watching / Participating / Ignoring). */
import type { WatchLevel } from '../../../db/queries/notifications';

const LEVELS: Array<[WatchLevel, string]> = [
  ['participating', 'Participating and @mentions'],
  ['watching', 'All activity'],
  ['ignoring', 'Ignore'],
];

export function WatchForm(p: { owner: string; name: string; level: WatchLevel }) {
  return (
    <form method="post" action={`/${p.owner}/${p.name}/subscription`} class="inline watch">
      <label for="watch-level">Notifications</label>{' '}
      <select id="watch-level" name="level">
        {LEVELS.map(([level, label]) => (
          <option value={level} selected={level === p.level}>
            {label}
          </option>
        ))}
      </select>{' '}
      <button type="submit">Save</button>
    </form>
  );
}
