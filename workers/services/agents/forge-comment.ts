/**
 * The `comment` forge tool: an agent's reply on the thread that started its run, authored by the
 * agent account and ending with a link to the run. The body is the model's text: stored and
 * rendered as any comment is (markdown, sanitised), and it starts no further agent runs.
 */
import type { Db } from '../../../db/client';
import { AppError } from '../../../common/errors';
import { createComment } from '../issues/comments';
import { agentAccountId } from './agent-account';
import type { ForgeRun } from './forge-run';
import { threadOf } from './forge-run';

const MAX_BODY = 64 * 1024;

/** Posts the agent's comment on the run's thread; its id and the issue number. */
export async function agentComment(
  db: Db,
  f: ForgeRun,
  body: string,
  origin: string,
  now: Date,
): Promise<{ id: string; number: number }> {
  if (body.trim() === '') throw AppError.invalid('body: must not be empty', 'body_invalid');
  if (body.length > MAX_BODY) throw AppError.tooLarge(`body: at most ${MAX_BODY} characters`);
  const number = threadOf(f);
  const botId = await agentAccountId(db);
  const full = `${f.repo.owner_login}/${f.repo.name}`;
  const link = `${origin}/${full}/actions/runs/${f.run.id}`;
  const s = {
    db,
    actor: { user: { id: botId }, scopes: new Set(['repo:write']) },
    repo: f.repo,
    role: 'read' as const,
    now,
  };
  const { comment } = await createComment(
    s,
    number,
    `${body}\n\n<sub>Answered by [run ${f.run.run_number}](${link}).</sub>`,
  );
  return { id: comment.id, number };
}
