/** The landing page. */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { Layout } from '../../views/layout';

export const homeRoutes = new Hono<AppEnv>().get('/', (c) =>
  c.html(
    <Layout title="Plue" user={c.var.user}>
      <h1>Plue</h1>
      <p>
        A code forge with built-in CI and AI agents, served from the edge. Push over HTTPS or SSH,
        browse code, open landing requests and watch runs stream live.
      </p>
    </Layout>,
  ),
);
