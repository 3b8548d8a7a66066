/** Names that would collide with Plue's own top-level URLs, refused as usernames and repo names. */

const RESERVED = new Set([
  'about',
  'admin',
  'api',
  'assets',
  'auth',
  'blog',
  'dashboard',
  'docs',
  'explore',
  'favicon.ico',
  'git',
  'health',
  'help',
  'internal',
  'issues',
  'login',
  'logout',
  'new',
  'notifications',
  'organizations',
  'orgs',
  'plue',
  'pulls',
  'repos',
  'robots.txt',
  'runs',
  'search',
  'settings',
  'signin',
  'signout',
  'signup',
  'site',
  'static',
  'user',
  'users',
  'www',
]);

export function isReservedName(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}
