/** The HTML page for every error on the web surface: what happened, what to do, the request id. */
import { Layout } from './layout';

export interface ErrorPageProps {
  status: number;
  code: string;
  message: string;
  requestId: string;
}

const HINTS: Record<number, string> = {
  401: 'Sign in, then try again.',
  403: 'Ask an owner of this repository for access.',
  404: 'Check the address, or go back to the home page.',
  429: 'Wait a moment before trying again.',
  503: 'A service Plue depends on is unavailable. Try again in a minute.',
};

export function ErrorPage(p: ErrorPageProps) {
  return (
    <Layout title={`${p.status}`}>
      <div class="error-box" role="alert">
        <h1>
          {p.status} — {p.message}
        </h1>
        <p>
          {HINTS[p.status] ??
            'Something went wrong on our side. Try again; if it keeps happening, report it with the request id below.'}
        </p>
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
