/**
 * The security probe's route table. The routes come from the Worker's own router
 * (`createApp(…).routes`); every entry there must be listed here, or the probe fails: a new route
 * cannot be left out by accident. A listing says what the route is (repository-scoped, internal,
 * account, site, or middleware) and, for repository routes, how its parameters are filled and
 * what request to send. A parameter the probe has no value for fails the suite too.
 */

/** Facts about one repository the probe fills parameters from. */
export interface RepoFacts {
  owner: string;
  repo: string;
  commit: string;
  tree: string;
  blob: string;
  run: string;
  step: string;
  branch: string;
  file: string;
  workflow: string;
  collaborator: string;
  secret: string;
  change: string;
  issue: string;
  landing: string;
  comment: string;
  /** A review comment on the landing's code. */
  reviewComment: string;
  label: string;
  milestone: string;
  reaction: string;
}

type Fact = keyof RepoFacts;

export interface RepoRoute {
  kind: 'repo';
  /** Parameter → fact, beyond the defaults (DEFAULT_FILL). `*` is the wildcard's value. */
  fill?: Record<string, Fact | { literal: string }>;
  /** Request body for writes: JSON, or a form (pages), or git's pkt-lines. */
  body?: { json: unknown } | { form: Record<string, string> } | { git: string };
  /** Query string to add (without `?`). */
  query?: string;
  /** Statuses the owner may get (default: any below 400); the probe's check that filling works. */
  ownerStatus?: number[];
  /** Served from the edge cache for public repositories (spoofing probes target these first). */
  cached?: boolean;
  /** A live stream: read headers only. */
  stream?: boolean;
  /** Smart HTTP: authenticate with HTTP Basic (the token), as git does. */
  git?: boolean;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** A write a read collaborator may make (open an issue, comment, react). */
  readerWrites?: boolean;
}

export type RouteSpec =
  | RepoRoute
  | { kind: 'middleware' }
  | { kind: 'internal' }
  | { kind: 'account' | 'site'; why: string };

/** Default parameter values (the wildcard `*` has none: each route says what it is). */
const DEFAULT_FILL: Record<string, Fact> = {
  owner: 'owner',
  repo: 'repo',
  id: 'run',
  step: 'step',
  sha: 'commit',
  commit: 'commit',
  ref: 'branch',
  path: 'file',
  user: 'collaborator',
  number: 'issue',
  name: 'label',
  reaction: 'reaction',
};

const pkt = (s: string) => (s.length + 4).toString(16).padStart(4, '0') + s;
/** A protocol v2 `ls-refs` request (sent with `Git-Protocol: version=2`). */
const LS_REFS = pkt('command=ls-refs\n') + '0000';

const api = '/api/v1/repos/:owner/:repo';

export const ROUTES: Record<string, RouteSpec> = {
  // Middleware (app.use): covered by the routes below them.
  'ALL /*': { kind: 'middleware' },
  'ALL /internal/ssh/*': { kind: 'middleware' },
  'ALL /internal/controller/*': { kind: 'middleware' },
  'ALL /internal/repos/*': { kind: 'middleware' },

  // Not about any repository.
  'GET /api/v1/health': { kind: 'site', why: 'health check' },
  'GET /api/v1/auth/nonce': { kind: 'site', why: 'sign-in' },
  'POST /api/v1/auth/verify': { kind: 'site', why: 'sign-in' },
  'POST /api/v1/auth/logout': { kind: 'account', why: 'the caller’s own session' },
  'GET /api/v1/user': { kind: 'account', why: 'the caller’s own record' },
  'PATCH /api/v1/user': { kind: 'account', why: 'the caller’s own record' },
  'POST /api/v1/user/tokens': { kind: 'account', why: 'the caller’s own tokens' },
  'GET /api/v1/user/tokens': { kind: 'account', why: 'the caller’s own tokens' },
  'DELETE /api/v1/user/tokens/:id': { kind: 'account', why: 'the caller’s own tokens' },
  'POST /api/v1/user/keys': { kind: 'account', why: 'the caller’s own keys' },
  'GET /api/v1/user/keys': { kind: 'account', why: 'the caller’s own keys' },
  'DELETE /api/v1/user/keys/:id': { kind: 'account', why: 'the caller’s own keys' },
  'POST /api/v1/user/repos': { kind: 'account', why: 'creates in the caller’s namespace' },
  'GET /api/v1/user/repos': { kind: 'account', why: 'lists the caller’s repositories' },
  'GET /api/v1/users/:owner/repos': { kind: 'account', why: 'listing (probed separately)' },
  'GET /static/style.css': { kind: 'site', why: 'static asset' },
  'GET /favicon.ico': { kind: 'site', why: 'static asset' },
  'GET /': { kind: 'site', why: 'home' },
  'GET /explore': { kind: 'site', why: 'listing (probed separately)' },
  'GET /login': { kind: 'site', why: 'sign-in page' },
  'POST /logout': { kind: 'account', why: 'the caller’s own session' },
  'GET /settings': { kind: 'account', why: 'the caller’s own settings' },
  'POST /settings/profile': { kind: 'account', why: 'the caller’s own settings' },
  'POST /settings/tokens': { kind: 'account', why: 'the caller’s own tokens' },
  'POST /settings/tokens/:id/delete': { kind: 'account', why: 'the caller’s own tokens' },
  'POST /settings/keys': { kind: 'account', why: 'the caller’s own keys' },
  'POST /settings/keys/:id/delete': { kind: 'account', why: 'the caller’s own keys' },
  'GET /new': { kind: 'account', why: 'creates in the caller’s namespace' },
  'POST /new': { kind: 'account', why: 'creates in the caller’s namespace' },
  'GET /api/v1/notifications': { kind: 'account', why: 'the caller’s own notifications' },
  'PUT /api/v1/notifications': { kind: 'account', why: 'the caller’s own notifications' },
  'GET /api/v1/notifications/threads/:id': { kind: 'account', why: 'the caller’s own threads' },
  'PATCH /api/v1/notifications/threads/:id': { kind: 'account', why: 'the caller’s own threads' },
  'GET /api/v1/notifications/threads/:id/subscription': {
    kind: 'account',
    why: 'the caller’s own threads',
  },
  'PUT /api/v1/notifications/threads/:id/subscription': {
    kind: 'account',
    why: 'the caller’s own threads',
  },
  'DELETE /api/v1/notifications/threads/:id/subscription': {
    kind: 'account',
    why: 'the caller’s own threads',
  },
  'GET /notifications': { kind: 'account', why: 'the caller’s own notifications' },
  'POST /notifications/read': { kind: 'account', why: 'the caller’s own notifications' },
  'POST /notifications/threads/:id/read': { kind: 'account', why: 'the caller’s own threads' },
  'POST /notifications/threads/:id/unsubscribe': {
    kind: 'account',
    why: 'the caller’s own threads',
  },
  'POST /notifications/threads/:id/subscribe': {
    kind: 'account',
    why: 'the caller’s own threads',
  },
  'GET /welcome': { kind: 'account', why: 'the caller’s own username' },
  'POST /welcome': { kind: 'account', why: 'the caller’s own username' },
  'GET /api/v1/users/:user': { kind: 'site', why: 'public profile' },
  'GET /:user': { kind: 'site', why: 'profile listing (probed separately)' },

  // Internal API: a component's credential (bridge, controller, operator) or a run token, never a
  // user's credentials.
  'POST /internal/ssh/lookup': { kind: 'internal' },
  'POST /internal/ssh/grant': { kind: 'internal' },
  'POST /internal/runs': { kind: 'internal' },
  'POST /internal/runs/:id/events': { kind: 'internal' },
  'GET /internal/runs/:id/stream': { kind: 'internal' },
  'POST /internal/runs/:id/restart': { kind: 'internal' },
  'POST /internal/runs/:id/forge/comment': { kind: 'internal' },
  'POST /internal/runs/:id/forge/review': { kind: 'internal' },
  'POST /internal/runs/:id/forge/open_landing_request': { kind: 'internal' },
  'POST /internal/runs/:id/agent-budget': { kind: 'internal' },
  'POST /internal/controller/events/claim': { kind: 'internal' },
  'POST /internal/controller/events/:id/evaluation': { kind: 'internal' },
  'POST /internal/controller/events/evaluations': { kind: 'internal' },
  'POST /internal/controller/events/:id/fail': { kind: 'internal' },
  'POST /internal/controller/runs/claim': { kind: 'internal' },
  'POST /internal/controller/runs/:id/heartbeat': { kind: 'internal' },
  'POST /internal/controller/runs/:id/complete': { kind: 'internal' },
  'POST /internal/controller/sweep': { kind: 'internal' },
  'POST /internal/controller/schedule': { kind: 'internal' },
  'POST /internal/controller/tick': { kind: 'internal' },
  'GET /internal/repos/:owner/:repo/packs': { kind: 'internal' },

  // Repository API.
  [`GET ${api}`]: { kind: 'repo' },
  [`PATCH ${api}`]: { kind: 'repo', body: { json: { description: 'probe' } } },
  [`DELETE ${api}`]: { kind: 'repo' },
  [`POST ${api}/transfer`]: { kind: 'repo', body: { json: { new_owner: 'no-such-user-zz' } } },
  [`GET ${api}/collaborators`]: { kind: 'repo', ownerStatus: [200] },
  [`PUT ${api}/collaborators/:user`]: { kind: 'repo', body: { json: { permission: 'read' } } },
  [`DELETE ${api}/collaborators/:user`]: { kind: 'repo' },
  // Watch settings: the owner has none until set (404 from GitHub's GET when not subscribed).
  [`GET ${api}/subscription`]: { kind: 'repo', ownerStatus: [200, 404] },
  [`PUT ${api}/subscription`]: {
    kind: 'repo',
    body: { json: { subscribed: true } },
    readerWrites: true,
  },
  [`DELETE ${api}/subscription`]: { kind: 'repo', readerWrites: true },
  [`GET ${api}/contents`]: { kind: 'repo', cached: true },
  [`GET ${api}/contents/:path{.+}`]: { kind: 'repo', cached: true },
  [`GET ${api}/branches`]: { kind: 'repo' },
  // Branch protection: admin only; the owner's GET is 404 "Branch not protected" until a rule.
  [`GET ${api}/branches/:branch{.+}/protection`]: {
    kind: 'repo',
    fill: { branch: 'branch' },
    ownerStatus: [200, 404],
  },
  [`PUT ${api}/branches/:branch{.+}/protection`]: {
    kind: 'repo',
    fill: { branch: { literal: 'probe' } },
    body: { json: { required_status_checks: null, enforce_admins: true, restrictions: null } },
  },
  [`DELETE ${api}/branches/:branch{.+}/protection`]: {
    kind: 'repo',
    fill: { branch: { literal: 'probe' } },
  },
  [`GET ${api}/branches/:branch{.+}`]: { kind: 'repo', fill: { branch: 'branch' } },
  [`GET ${api}/tags`]: { kind: 'repo' },
  [`GET ${api}/git/trees/:sha`]: { kind: 'repo', fill: { sha: 'tree' }, cached: true },
  [`GET ${api}/git/blobs/:sha`]: { kind: 'repo', fill: { sha: 'blob' }, cached: true },
  [`GET ${api}/git/commits/:sha`]: { kind: 'repo', cached: true },
  [`GET ${api}/actions/workflows`]: { kind: 'repo' },
  [`POST ${api}/actions/workflows/:name/dispatches`]: {
    kind: 'repo',
    fill: { name: 'workflow' },
    body: { json: { ref: 'main' } },
  },
  [`POST ${api}/actions/runs/:id/cancel`]: { kind: 'repo' },
  [`POST ${api}/actions/runs/:id/rerun`]: { kind: 'repo' },
  [`GET ${api}/actions/secrets`]: { kind: 'repo' },
  [`PUT ${api}/actions/secrets/:name`]: {
    kind: 'repo',
    fill: { name: 'secret' },
    body: { json: { value: 'probe' } },
  },
  [`DELETE ${api}/actions/secrets/:name`]: { kind: 'repo', fill: { name: 'secret' } },
  [`POST ${api}/statuses/:sha`]: {
    kind: 'repo',
    body: { json: { state: 'success', context: 'probe' } },
  },
  [`GET ${api}/statuses/:ref{.+}`]: { kind: 'repo' },
  [`GET ${api}/commits/:ref{.+}/statuses`]: { kind: 'repo' },
  [`GET ${api}/commits/:ref{.+}/status`]: { kind: 'repo' },
  [`GET ${api}/commits`]: { kind: 'repo' },
  [`GET ${api}/commits/:ref{.+}`]: { kind: 'repo' },
  [`GET ${api}/compare/:spec{.+}`]: { kind: 'repo', fill: { spec: { literal: 'main...main' } } },
  [`GET ${api}/tarball`]: { kind: 'repo' },
  [`GET ${api}/tarball/:ref{.+}`]: { kind: 'repo', fill: { ref: 'branch' } },
  [`GET ${api}/zipball`]: { kind: 'repo' },
  [`GET ${api}/zipball/:ref{.+}`]: { kind: 'repo', fill: { ref: 'branch' } },
  [`GET ${api}/actions/runs`]: { kind: 'repo' },
  [`GET ${api}/actions/live`]: { kind: 'repo', stream: true },
  [`GET ${api}/actions/runs/:id`]: { kind: 'repo' },
  [`GET ${api}/actions/runs/:id/jobs`]: { kind: 'repo' },
  [`GET ${api}/actions/runs/:id/logs`]: { kind: 'repo' },
  [`GET ${api}/actions/runs/:id/logs/text`]: { kind: 'repo' },
  [`GET ${api}/actions/runs/:id/steps/:step/log`]: { kind: 'repo' },
  [`GET ${api}/actions/runs/:id/events`]: { kind: 'repo' },
  [`GET ${api}/actions/runs/:id/stream`]: { kind: 'repo', stream: true },
  // Without an Upgrade header (the WebSocket handshake itself is probed on its own).
  [`GET ${api}/actions/runs/:id/stream/ws`]: { kind: 'repo', ownerStatus: [400] },

  // Issues (API).
  // Landing requests (their conversation is the issue routes').
  [`GET ${api}/landings`]: { kind: 'repo', ownerStatus: [200] },
  [`POST ${api}/landings`]: {
    kind: 'repo',
    body: { json: { base: 'main', head: 'topic' } },
    readerWrites: true,
  },
  [`GET ${api}/landings/:number{[0-9]+}`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  [`PATCH ${api}/landings/:number{[0-9]+}`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { json: { title: 'probe' } },
  },
  [`GET ${api}/landings/:number{[0-9]+}/revisions`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  [`GET ${api}/landings/:number{[0-9]+}/commits`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  [`GET ${api}/landings/:number{[0-9]+}/files`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  [`GET ${api}/landings/:number{[0-9]+}/interdiff`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  // Review comments on a landing's code and review requests.
  [`GET ${api}/landings/:number{[0-9]+}/comments`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  [`POST ${api}/landings/:number{[0-9]+}/comments`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { json: { body: 'probe', path: 'topic.txt', line: 1 } },
    readerWrites: true,
  },
  [`GET ${api}/landings/comments/:id{[0-9]+}`]: {
    kind: 'repo',
    fill: { id: 'reviewComment' },
    ownerStatus: [200],
  },
  [`PATCH ${api}/landings/comments/:id{[0-9]+}`]: {
    kind: 'repo',
    fill: { id: 'reviewComment' },
    body: { json: { body: 'probe' } },
  },
  [`DELETE ${api}/landings/comments/:id{[0-9]+}`]: {
    kind: 'repo',
    fill: { id: 'reviewComment' },
  },
  [`PUT ${api}/landings/comments/:id{[0-9]+}/resolution`]: {
    kind: 'repo',
    fill: { id: 'reviewComment' },
  },
  [`DELETE ${api}/landings/comments/:id{[0-9]+}/resolution`]: {
    kind: 'repo',
    fill: { id: 'reviewComment' },
  },
  // The fixture's comment holds no suggestion: 404 for the owner shows the route was reached.
  [`POST ${api}/landings/:number{[0-9]+}/comments/:id{[0-9]+}/apply`]: {
    kind: 'repo',
    fill: { number: 'landing', id: 'reviewComment' },
    body: { json: {} },
    ownerStatus: [404],
  },
  [`GET ${api}/landings/:number{[0-9]+}/requested_reviewers`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  // The owner wrote the landing, and cannot be asked to review it: 400 shows the route was reached.
  [`POST ${api}/landings/:number{[0-9]+}/requested_reviewers`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { json: { reviewers: ['probe-nobody'] } },
    ownerStatus: [400],
  },
  [`DELETE ${api}/landings/:number{[0-9]+}/requested_reviewers`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { json: { reviewers: ['probe-nobody'] } },
    ownerStatus: [400],
  },
  // Reviews and land (a wrong `sha` keeps the owner's land from landing the fixture).
  [`GET ${api}/landings/:number{[0-9]+}/reviews`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  [`POST ${api}/landings/:number{[0-9]+}/reviews`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { json: { event: 'COMMENT', body: 'probe' } },
    readerWrites: true,
  },
  [`PUT ${api}/landings/:number{[0-9]+}/reviews/:id{[0-9]+}/dismissals`]: {
    kind: 'repo',
    fill: { number: 'landing', id: { literal: '999999' } },
    body: { json: { message: 'probe' } },
    ownerStatus: [404],
  },
  [`GET ${api}/landings/:number{[0-9]+}/merge`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [404],
  },
  [`GET ${api}/landings/:number{[0-9]+}/mergeability`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  [`PUT ${api}/landings/:number{[0-9]+}/merge`]: {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { json: { merge_method: 'merge', sha: '0'.repeat(40) } },
    ownerStatus: [409],
  },
  [`GET ${api}/issues`]: { kind: 'repo', ownerStatus: [200] },
  [`POST ${api}/issues`]: { kind: 'repo', body: { json: { title: 'probe' } }, readerWrites: true },
  [`GET ${api}/issues/:number{[0-9]+}`]: { kind: 'repo', ownerStatus: [200] },
  [`POST ${api}/issues/:number{[0-9]+}/transfer`]: {
    kind: 'repo',
    body: { json: { new_repository: 'nobody/nothing' } },
  },
  [`PATCH ${api}/issues/:number{[0-9]+}`]: { kind: 'repo', body: { json: { title: 'probe' } } },
  [`DELETE ${api}/issues/:number{[0-9]+}`]: { kind: 'repo' },
  [`PUT ${api}/issues/:number{[0-9]+}/lock`]: { kind: 'repo' },
  [`DELETE ${api}/issues/:number{[0-9]+}/lock`]: { kind: 'repo' },
  [`PUT ${api}/issues/:number{[0-9]+}/pin`]: { kind: 'repo' },
  [`DELETE ${api}/issues/:number{[0-9]+}/pin`]: { kind: 'repo' },
  [`GET ${api}/issues/:number{[0-9]+}/timeline`]: { kind: 'repo', ownerStatus: [200] },
  [`GET ${api}/issues/:number{[0-9]+}/events`]: { kind: 'repo', ownerStatus: [200] },
  [`GET ${api}/issues/:number{[0-9]+}/history`]: { kind: 'repo', ownerStatus: [200] },
  [`GET ${api}/issues/:number{[0-9]+}/comments`]: { kind: 'repo', ownerStatus: [200] },
  [`POST ${api}/issues/:number{[0-9]+}/comments`]: {
    kind: 'repo',
    body: { json: { body: 'probe' } },
    readerWrites: true,
  },
  [`GET ${api}/issues/comments/:id`]: { kind: 'repo', fill: { id: 'comment' }, ownerStatus: [200] },
  [`PATCH ${api}/issues/comments/:id`]: {
    kind: 'repo',
    fill: { id: 'comment' },
    body: { json: { body: 'probe' } },
  },
  [`DELETE ${api}/issues/comments/:id`]: { kind: 'repo', fill: { id: 'comment' } },
  [`GET ${api}/issues/comments/:id/history`]: {
    kind: 'repo',
    fill: { id: 'comment' },
    ownerStatus: [200],
  },
  [`GET ${api}/issues/:number{[0-9]+}/reactions`]: { kind: 'repo', ownerStatus: [200] },
  [`POST ${api}/issues/:number{[0-9]+}/reactions`]: {
    kind: 'repo',
    body: { json: { content: 'rocket' } },
    readerWrites: true,
  },
  [`DELETE ${api}/issues/:number{[0-9]+}/reactions/:reaction`]: { kind: 'repo' },
  [`GET ${api}/issues/comments/:id/reactions`]: {
    kind: 'repo',
    fill: { id: 'comment' },
    ownerStatus: [200],
  },
  [`POST ${api}/issues/comments/:id/reactions`]: {
    kind: 'repo',
    fill: { id: 'comment' },
    body: { json: { content: 'rocket' } },
    readerWrites: true,
  },
  [`GET ${api}/labels`]: { kind: 'repo', ownerStatus: [200] },
  [`POST ${api}/labels`]: { kind: 'repo', body: { json: { name: 'probe', color: 'ffffff' } } },
  [`GET ${api}/labels/:name`]: { kind: 'repo', ownerStatus: [200] },
  [`PATCH ${api}/labels/:name`]: { kind: 'repo', body: { json: { description: 'probe' } } },
  [`DELETE ${api}/labels/:name`]: { kind: 'repo' },
  [`GET ${api}/milestones`]: { kind: 'repo', ownerStatus: [200] },
  [`POST ${api}/milestones`]: { kind: 'repo', body: { json: { title: 'probe' } } },
  [`GET ${api}/milestones/:number{[0-9]+}`]: {
    kind: 'repo',
    fill: { number: 'milestone' },
    ownerStatus: [200],
  },
  [`PATCH ${api}/milestones/:number{[0-9]+}`]: {
    kind: 'repo',
    fill: { number: 'milestone' },
    body: { json: { description: 'probe' } },
  },
  [`DELETE ${api}/milestones/:number{[0-9]+}`]: { kind: 'repo', fill: { number: 'milestone' } },
  [`GET ${api}/issues/:number{[0-9]+}/labels`]: { kind: 'repo', ownerStatus: [200] },
  [`POST ${api}/issues/:number{[0-9]+}/labels`]: {
    kind: 'repo',
    body: { json: { labels: ['bug'] } },
  },
  [`PUT ${api}/issues/:number{[0-9]+}/labels`]: {
    kind: 'repo',
    body: { json: { labels: ['bug'] } },
  },
  [`DELETE ${api}/issues/:number{[0-9]+}/labels`]: { kind: 'repo' },
  [`DELETE ${api}/issues/:number{[0-9]+}/labels/:name`]: { kind: 'repo' },
  [`POST ${api}/issues/:number{[0-9]+}/assignees`]: {
    kind: 'repo',
    body: { json: { assignees: [] } },
  },
  [`DELETE ${api}/issues/:number{[0-9]+}/assignees`]: {
    kind: 'repo',
    body: { json: { assignees: [] } },
  },
  [`GET ${api}/assignees`]: { kind: 'repo', ownerStatus: [200] },

  // git over HTTPS.
  'GET /:owner/:repo/info/refs': {
    kind: 'repo',
    git: true,
    fill: { repo: 'repo' },
    query: 'service=git-upload-pack',
  },
  'POST /:owner/:repo/git-upload-pack': {
    kind: 'repo',
    git: true,
    body: { git: LS_REFS },
    headers: { 'git-protocol': 'version=2' },
    ownerStatus: [200],
  },
  'POST /:owner/:repo/git-receive-pack': { kind: 'repo', git: true, body: { git: '0000' } },

  // Pages.
  'GET /:owner/:repo/settings': { kind: 'repo' },
  'POST /:owner/:repo/settings/general': { kind: 'repo', body: { form: { description: 'p' } } },
  'POST /:owner/:repo/settings/visibility': {
    kind: 'repo',
    body: { form: { visibility: 'private' } },
  },
  'POST /:owner/:repo/settings/collaborators': {
    kind: 'repo',
    body: { form: { login: 'no-such-user-zz', permission: 'read' } },
  },
  'POST /:owner/:repo/settings/collaborators/:user/delete': { kind: 'repo', body: { form: {} } },
  'POST /:owner/:repo/settings/secrets': {
    kind: 'repo',
    body: { form: { name: 'PROBE', value: 'probe' } },
  },
  'POST /:owner/:repo/settings/secrets/:name/delete': {
    kind: 'repo',
    fill: { name: 'secret' },
    body: { form: {} },
  },
  'GET /:owner/:repo/settings/branches': { kind: 'repo', ownerStatus: [200] },
  'POST /:owner/:repo/settings/branches': {
    kind: 'repo',
    body: { form: { pattern: 'probe/*', required_approvals: '1' } },
  },
  'POST /:owner/:repo/settings/branches/delete': {
    kind: 'repo',
    body: { form: { pattern: 'probe/*' } },
  },
  'POST /:owner/:repo/settings/rename': {
    kind: 'repo',
    body: { form: { new_name: 'probe', confirm: 'wrong' } },
  },
  'POST /:owner/:repo/settings/transfer': {
    kind: 'repo',
    body: { form: { new_owner: 'no-such-user-zz', confirm: 'wrong' } },
  },
  'POST /:owner/:repo/settings/delete': { kind: 'repo', body: { form: { confirm: 'wrong' } } },
  'GET /:owner/:repo/actions': { kind: 'repo' },
  'GET /:owner/:repo/actions/runs/:id': { kind: 'repo' },
  'GET /:owner/:repo/actions/workflows': { kind: 'repo' },
  'POST /:owner/:repo/actions/workflows/:name/dispatch': {
    kind: 'repo',
    fill: { name: 'workflow' },
    body: { form: { ref: 'main' } },
  },
  'POST /:owner/:repo/actions/runs/:id/cancel': { kind: 'repo', body: { form: {} } },
  'POST /:owner/:repo/actions/runs/:id/rerun': { kind: 'repo', body: { form: {} } },
  'POST /:owner/:repo/subscription': {
    kind: 'repo',
    body: { form: { level: 'watching' } },
    readerWrites: true,
  },
  'GET /:owner/:repo/commit/:sha/statuses': { kind: 'repo' },
  'GET /:owner/:repo/commits/*': { kind: 'repo', fill: { '*': 'branch' }, cached: true },
  'GET /:owner/:repo/commits': { kind: 'repo', cached: true },
  'GET /:owner/:repo/commit/:sha': { kind: 'repo', cached: true },
  'GET /:owner/:repo/compare/*': { kind: 'repo', fill: { '*': { literal: 'main...main' } } },
  'GET /:owner/:repo/compare': { kind: 'repo' },
  'GET /:owner/:repo/archive/*': { kind: 'repo', fill: { '*': { literal: 'main.zip' } } },
  'GET /:owner/:repo/commit-states': {
    kind: 'repo',
    query: 'sha=0000000000000000000000000000000000000000',
  },
  'GET /:owner/:repo/:kind{branches|tags}': {
    kind: 'repo',
    fill: { kind: { literal: 'branches' } },
  },
  // The fixture's commits carry no jj change-id, so the owner gets "no commit carries change".
  'GET /:owner/:repo/change/:id': { kind: 'repo', fill: { id: 'change' }, ownerStatus: [404] },
  'GET /:owner/:repo': { kind: 'repo', cached: true },
  'GET /:owner/:repo/tree/*': { kind: 'repo', fill: { '*': 'branch' }, cached: true },
  'GET /:owner/:repo/blob/*': {
    kind: 'repo',
    fill: { '*': { literal: 'main/README.md' } },
    cached: true,
  },
  // Landing pages and their forms.
  'GET /:owner/:repo/landings': { kind: 'repo', ownerStatus: [200] },
  'GET /:owner/:repo/landings/new': { kind: 'repo', ownerStatus: [200] },
  'POST /:owner/:repo/landings/new': {
    kind: 'repo',
    body: { form: { base: 'main', head: 'topic' } },
    readerWrites: true,
  },
  'GET /:owner/:repo/landings/:number{[0-9]+}': {
    kind: 'repo',
    fill: { number: 'landing' },
    ownerStatus: [200],
  },
  'POST /:owner/:repo/landings/:number{[0-9]+}/state': {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { form: { draft: 'true' } },
  },
  'POST /:owner/:repo/landings/:number{[0-9]+}/reviews': {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { form: { event: 'COMMENT', body: 'probe' } },
    readerWrites: true,
  },
  'POST /:owner/:repo/landings/:number{[0-9]+}/land': {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { form: { method: 'merge', sha: '0'.repeat(40) } },
  },
  'POST /:owner/:repo/landings/:number{[0-9]+}/delete-branch': {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { form: {} },
    ownerStatus: [409],
  },
  // The landing page's review forms (line comments, threads, review requests).
  'POST /:owner/:repo/landings/:number{[0-9]+}/comments': {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { form: { body: 'probe', path: 'topic.txt', line: '1', side: 'RIGHT' } },
    readerWrites: true,
  },
  'POST /:owner/:repo/landings/:number{[0-9]+}/comments/:id{[0-9]+}/resolution': {
    kind: 'repo',
    fill: { number: 'landing', id: 'reviewComment' },
    body: { form: { resolved: 'true' } },
  },
  // The fixture's comment holds no suggestion: 404 for the owner shows the route was reached.
  'POST /:owner/:repo/landings/:number{[0-9]+}/comments/:id{[0-9]+}/apply': {
    kind: 'repo',
    fill: { number: 'landing', id: 'reviewComment' },
    body: { form: {} },
    ownerStatus: [404],
  },
  // The owner wrote the landing, and cannot be asked to review it: 400 shows the route was reached.
  'POST /:owner/:repo/landings/:number{[0-9]+}/requested_reviewers': {
    kind: 'repo',
    fill: { number: 'landing' },
    body: { form: { reviewers: 'probe-nobody' } },
    ownerStatus: [400],
  },
  // Issue pages and their forms.
  'GET /:owner/:repo/issues': { kind: 'repo', ownerStatus: [200] },
  'GET /:owner/:repo/issues/new': { kind: 'repo', ownerStatus: [200] },
  'POST /:owner/:repo/issues/new': {
    kind: 'repo',
    body: { form: { title: 'probe' } },
    readerWrites: true,
  },
  'GET /:owner/:repo/issues/:number{[0-9]+}': { kind: 'repo', ownerStatus: [200] },
  'POST /:owner/:repo/issues/:number{[0-9]+}/comments': {
    kind: 'repo',
    body: { form: { body: 'probe' } },
    readerWrites: true,
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/edit': {
    kind: 'repo',
    body: { form: { title: 'probe', body: '' } },
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/comments/:id{[0-9]+}/edit': {
    kind: 'repo',
    fill: { id: 'comment' },
    body: { form: { body: 'probe' } },
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/comments/:id{[0-9]+}/delete': {
    kind: 'repo',
    fill: { id: 'comment' },
    body: { form: {} },
  },
  'GET /:owner/:repo/issues/:number{[0-9]+}/history': { kind: 'repo', ownerStatus: [200] },
  'GET /:owner/:repo/issues/:number{[0-9]+}/comments/:id{[0-9]+}/history': {
    kind: 'repo',
    fill: { id: 'comment' },
    ownerStatus: [200],
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/reactions': {
    kind: 'repo',
    body: { form: { content: 'rocket' } },
    readerWrites: true,
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/comments/:id{[0-9]+}/reactions': {
    kind: 'repo',
    fill: { id: 'comment' },
    body: { form: { content: 'rocket' } },
    readerWrites: true,
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/reactions/:reaction{[0-9]+}/delete': {
    kind: 'repo',
    body: { form: {} },
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/state': {
    kind: 'repo',
    body: { form: { state_reason: 'completed' } },
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/labels': {
    kind: 'repo',
    body: { form: { labels: 'bug' } },
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/assignees': { kind: 'repo', body: { form: {} } },
  'POST /:owner/:repo/issues/:number{[0-9]+}/milestone': {
    kind: 'repo',
    body: { form: { milestone: '1' } },
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/lock': {
    kind: 'repo',
    body: { form: { locked: 'true' } },
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/pin': {
    kind: 'repo',
    body: { form: { pinned: 'true' } },
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/transfer': {
    kind: 'repo',
    body: { form: { new_repository: 'nobody/nothing' } },
  },
  'POST /:owner/:repo/issues/:number{[0-9]+}/delete': {
    kind: 'repo',
    body: { form: { confirm: '1' } },
  },
  // Labels and milestones pages and their forms.
  'GET /:owner/:repo/labels': { kind: 'repo', ownerStatus: [200] },
  'POST /:owner/:repo/labels': {
    kind: 'repo',
    body: { form: { name: 'probe', color: '#ffffff' } },
  },
  'POST /:owner/:repo/labels/:name/edit': {
    kind: 'repo',
    body: { form: { description: 'probe' } },
  },
  'POST /:owner/:repo/labels/:name/delete': { kind: 'repo', body: { form: { confirm: 'bug' } } },
  'GET /:owner/:repo/milestones': { kind: 'repo', ownerStatus: [200] },
  'POST /:owner/:repo/milestones': { kind: 'repo', body: { form: { title: 'probe' } } },
  'GET /:owner/:repo/milestones/:number{[0-9]+}': {
    kind: 'repo',
    fill: { number: 'milestone' },
    ownerStatus: [200],
  },
  'POST /:owner/:repo/milestones/:number{[0-9]+}/edit': {
    kind: 'repo',
    fill: { number: 'milestone' },
    body: { form: { title: 'probe' } },
  },
  'POST /:owner/:repo/milestones/:number{[0-9]+}/state': {
    kind: 'repo',
    fill: { number: 'milestone' },
    body: { form: { state: 'closed' } },
  },
  'POST /:owner/:repo/milestones/:number{[0-9]+}/delete': {
    kind: 'repo',
    fill: { number: 'milestone' },
    body: { form: { confirm: '1' } },
  },
  'GET /:owner/:repo/last-commits/:commit': { kind: 'repo', cached: true },
  'GET /:owner/:repo/raw/*': {
    kind: 'repo',
    fill: { '*': { literal: 'main/README.md' } },
    cached: true,
  },
};

export interface DiscoveredRoute {
  key: string;
  method: string;
  path: string;
}

interface WorkerApp {
  createApp(memory: unknown): { routes: { method: string; path: string }[] };
}

interface WorkerMemory {
  createMemoryTiers(): unknown;
}

/**
 * The routes the Worker's router holds (`createApp(…).routes`, the app the Worker serves), in
 * registration order, without duplicates. The app is loaded by a computed specifier because its
 * modules are type-checked under the Workers tsconfig; a static import would pull them into this
 * Node one. At run time it is an ordinary import: route modules need no Workers runtime to load.
 */
export async function discoverRoutes(): Promise<DiscoveredRoute[]> {
  const specifier = '../../../workers/app';
  const { createApp } = (await import(specifier)) as WorkerApp;
  const memorySpecifier = '../../../workers/services/cache/memory-cache';
  const { createMemoryTiers } = (await import(memorySpecifier)) as WorkerMemory;
  const seen = new Set<string>();
  const out: DiscoveredRoute[] = [];
  for (const r of createApp(createMemoryTiers()).routes) {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ key, method: r.method, path: r.path });
  }
  return out;
}

/**
 * The concrete path of a route for `facts` (owner and repo may be overridden, raw, so hostile
 * values can be put in). Throws, naming the parameter, when the probe has no value for one.
 */
export function fillPath(
  path: string,
  spec: RepoRoute,
  facts: RepoFacts,
  raw: { owner?: string; repo?: string } = {},
): string {
  const value = (name: string): string => {
    if (name === 'owner' && raw.owner !== undefined) return raw.owner;
    if (name === 'repo' && raw.repo !== undefined) return raw.repo;
    const how = spec.fill?.[name] ?? DEFAULT_FILL[name];
    if (how === undefined) throw new Error(`no value for parameter ${name} of ${path}`);
    const v = typeof how === 'string' ? facts[how] : how.literal;
    return name === 'owner' || name === 'repo' ? encodeURIComponent(v) : v;
  };
  let out = path.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, (_m, name: string) => value(name));
  if (out.endsWith('/*')) out = out.slice(0, -1) + value('*');
  if (out.includes('*') || out.includes('/:')) throw new Error(`unfilled parts in ${path}`);
  return spec.query ? `${out}?${spec.query}` : out;
}
