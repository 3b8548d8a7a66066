/**
 * The HTML page for every error on the web surface: what happened, what to do, the request id.
 * It shows the signed-in header like any other page, and a 4xx says what about the request was
 * wrong; only a 5xx is "on our side".
 */
import { Layout } from './layout';

export interface ErrorPageProps {
  status: number;
  code: string;
  message: string;
  requestId: string;
  /** The signed-in user, when the request got far enough to know it. */
  user?: { login: string } | undefined;
}

const HINTS: Record<number, string> = {
  400: 'The address or the form you sent is not valid. Check it and try again.',
  401: 'Sign in, then try again.',
  403: 'You may not do this here. Ask an owner of the repository for access.',
  404: 'Check the address, or go back to the home page.',
  409: 'This clashes with something that already exists or has just changed. Reload and try again.',
  413: 'What you sent is larger than Plue accepts. Send something smaller.',
  429: 'Wait a moment before trying again.',
  503: 'A service Plue depends on is unavailable. Try again in a minute.',
};

/** What to do about an error: the hint for its status, else by whose side it is on. */
export function errorHint(status: number): string {
  return (
    HINTS[status] ??
    (status < 500
      ? 'Check the address or what you entered, and try again.'
      : 'Something went wrong on our side. Try again; if it keeps happening, report it with the request id below.')
  );
}

export function ErrorPage(p: ErrorPageProps) {
  return (
    <Layout title={`${p.status}`} user={p.user}>
      <div class="error-box" role="alert">
        <h1>
          {p.status} — {p.message}
        </h1>
        <p>{errorHint(p.status)}</p>
        <p class="muted">
          Error code <code>{p.code}</code> · request id <code>{p.requestId}</code>
        </p>
        <p>
          <a href="/">Home</a>
        </p>
      </div>
    </Layout>
  );
}
