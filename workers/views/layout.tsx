/** The page frame shared by every server-rendered page. */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

export interface LayoutProps {
  title: string;
  /** The signed-in user, shown in the header; absent for anonymous visitors. */
  user?: { login: string; unread?: number | undefined } | undefined;
  children?: Child;
}

/** The header's link to the inbox, with the unread count when there is one. */
function Inbox({ unread }: { unread: number | undefined }) {
  if (unread === undefined) return <a href="/notifications">Notifications</a>;
  const shown = unread >= 100 ? '99+' : String(unread);
  return (
    <a
      href="/notifications"
      class="inbox"
      aria-label={unread > 0 ? `Notifications, ${shown} unread` : 'Notifications'}
    >
      Notifications{unread > 0 ? <span class="unread-count">{shown}</span> : null}
    </a>
  );
}

export function Layout(props: LayoutProps) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{props.title === 'Plue' ? 'Plue' : `${props.title} · Plue`}</title>
          <link rel="stylesheet" href="/static/style.css" />
          <link rel="icon" href="/favicon.ico" />
        </head>
        <body>
          <header class="site">
            <a class="brand" href="/">
              PLUE
            </a>
            <nav aria-label="Site">
              <a href="/explore">Explore</a>
              {props.user ? (
                <>
                  <Inbox unread={props.user.unread} />
                  <a href="/new">New repository</a>
                  <a href="/settings" class="mono">
                    {props.user.login}
                  </a>
                  <form method="post" action="/logout" class="inline">
                    <button type="submit">Sign out</button>
                  </form>
                </>
              ) : (
                <a href="/login">Sign in</a>
              )}
            </nav>
          </header>
          <main>{props.children}</main>
          <footer class="site">Plue — a jj-aware code forge at the edge.</footer>
        </body>
      </html>
    </>
  );
}
