/** Which databases `npm run migrate` reaches over Neon's own endpoint (migrate-target.ts). */
import { describe, expect, it } from 'vitest';
import { isNeonDatabase } from './migrate-target';

describe('isNeonDatabase', () => {
  it('is true for Neon hosts, pooled or direct', () => {
    expect(
      isNeonDatabase('postgres://u:p@ep-cool-1.eu-central-1.aws.neon.tech/plue?sslmode=require'),
    ).toBe(true);
    expect(isNeonDatabase('postgresql://u:p@ep-cool-1-pooler.us-east-2.aws.neon.tech/plue')).toBe(
      true,
    );
  });
  it('is false for local, self-hosted, look-alike and malformed URLs', () => {
    expect(isNeonDatabase('postgres://postgres@127.0.0.1:5432/test')).toBe(false);
    expect(isNeonDatabase('postgres://db.example.com/plue')).toBe(false);
    expect(isNeonDatabase('postgres://evilneon.tech/plue')).toBe(false);
    expect(isNeonDatabase('not a url')).toBe(false);
  });
});
