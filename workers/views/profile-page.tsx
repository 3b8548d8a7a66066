/**
 * People pages: a user's profile (`/{user}`: their repositories the viewer may see and their
 * recent pushes) and the username choice a new user sees after their first sign-in.
 */
import type { PushActivityRow } from '../../db/queries/activity';
import type { RepoRow } from '../../db/queries/repositories';
import type { CurrentUser } from '../env';
import { relativeTime } from './browse/common';
import { Layout } from './layout';
import { RepoList } from './repo-list';

export interface ProfileProps {
  viewer: CurrentUser | undefined;
  login: string;
  joined: Date;
  repos: { rows: RepoRow[]; total: number };
  pushes: PushActivityRow[];
  page: number;
  perPage: number;
  now: number;
  notice?: string | undefined;
}

const short = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, '');

export function ProfilePage(p: ProfileProps) {
  const own = p.viewer?.login.toLowerCase() === p.login.toLowerCase();
  return (
    <Layout title={p.login} user={p.viewer}>
      {p.notice ? (
        <p class="ok" role="status">
          ✓ {p.notice}
        </p>
      ) : null}
      <h1>{p.login}</h1>
      <p class="muted">
        Joined{' '}
        <time datetime={p.joined.toISOString()} title={p.joined.toISOString()}>
          {relativeTime(p.joined.getTime() / 1000, p.now)}
        </time>
        {own ? (
          <>
            {' · '}
            <a href="/settings">Change your username</a>
          </>
        ) : null}
      </p>
      <section aria-labelledby="repos">
        <h2 id="repos">Repositories ({p.repos.total})</h2>
        <RepoList
          rows={p.repos.rows}
          total={p.repos.total}
          page={p.page}
          perPage={p.perPage}
          base={`/${encodeURIComponent(p.login)}`}
          now={p.now}
          empty={
            own ? 'No repositories yet. Create one to push your code.' : 'No repositories to show.'
          }
        />
      </section>
      <section aria-labelledby="activity">
        <h2 id="activity">Recent activity</h2>
        {p.pushes.length === 0 ? (
          <p class="muted">No pushes to show yet.</p>
        ) : (
          <ul class="activity">
            {p.pushes.map((e) => {
              const repo = `/${encodeURIComponent(e.owner_login)}/${encodeURIComponent(e.repo_name)}`;
              return (
                <li>
                  Pushed <code>{short(e.ref)}</code> to{' '}
                  <a href={repo}>
                    {e.owner_login}/{e.repo_name}
                  </a>{' '}
                  <a class="sha" href={`${repo}/commit/${e.after_sha}`} title={e.after_sha}>
                    {e.after_sha.slice(0, 10)}
                  </a>{' '}
                  <time datetime={e.created_at.toISOString()} title={e.created_at.toISOString()}>
                    {relativeTime(e.created_at.getTime() / 1000, p.now)}
                  </time>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </Layout>
  );
}

export function WelcomePage(p: {
  user: CurrentUser;
  next: string;
  value: string;
  error?: string | undefined;
}) {
  return (
    <Layout title="Choose your username" user={p.user}>
      <h1>Choose your username</h1>
      <p>
        You are signed in. Your username is how people find you: it is in your profile address and
        every repository URL, like <code>/{p.value}/project</code>. You were given{' '}
        <code>{p.user.login}</code>; keep it or pick another. You can change it later in your
        settings (old links keep working).
      </p>
      {p.error ? (
        <p class="error-box" role="alert">
          ✗ {p.error}
        </p>
      ) : null}
      <form method="post" action="/welcome">
        <input type="hidden" name="next" value={p.next} />
        <p>
          <label for="login">Username</label>{' '}
          <input
            id="login"
            name="login"
            value={p.value}
            required
            maxlength={39}
            pattern="[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
            autofocus
          />{' '}
          <button type="submit" class="primary">
            Continue
          </button>
        </p>
        <p class="muted">1–39 letters, digits or hyphens, not starting or ending with a hyphen.</p>
      </form>
    </Layout>
  );
}
