/**
 * The setup most git and agent tests start from, registered around a describe block: a git
 * sandbox (cleaned up afterwards) and a fresh user alice with a repo:read + repo:write token.
 */
import { afterAll, beforeAll } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox } from '../helpers/git';

/** What a test of the block works with; alice and token are set once its `beforeAll` ran. */
export interface GitSuite {
  g: GitSandbox;
  alice: SignUp;
  /** A token of alice's with repo:read and repo:write. */
  token: string;
}

/** Registers the block's hooks; returns the suite they fill in. */
export function gitSuite(base: string): GitSuite {
  const suite = { g: new GitSandbox() } as GitSuite;
  beforeAll(async () => {
    suite.alice = await signUp(base);
    suite.token = await suite.alice.token(['repo:read', 'repo:write']);
  });
  afterAll(() => suite.g.cleanup());
  return suite;
}
