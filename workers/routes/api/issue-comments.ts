/**
 * Issue comments and reactions over the API in GitHub's shapes: list and create comments on an
 * issue, read/edit/delete a comment by id (with `/history` for its earlier versions), and
 * reactions on issues and comments (201 when new, 200 when the user had already reacted so).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { publicOrigin } from '../../services/platform/public-url';
import {
  commentHistory,
  commentOf,
  commentsOf,
  createComment,
  deleteComment,
  editComment,
  react,
  reactionsOf,
  unreact,
} from '../../services/issues/comments';
import { recordCommentEvent } from '../../services/agents/comment-events';
import { commentInput, reactionInput } from '../../services/issues/inputs';
import { commentView, reactionView } from '../../services/issues/views';
import { jsonInput } from '../input';
import { bodiesHtml, pathNumber, scopeOf } from './issue-request';
import { pageOf, setLinkHeader } from './request';

const ISSUE = '/repos/:owner/:repo/issues/:number{[0-9]+}';
const COMMENT = '/repos/:owner/:repo/issues/comments/:id';

export const issueCommentRoutes = new Hono<AppEnv>()
  .get(`${ISSUE}/comments`, async (c) => {
    const s = await scopeOf(c);
    const page = pageOf(c);
    const { issue, rows, total } = await commentsOf(s, pathNumber(c, 'number'), page);
    setLinkHeader(c, page, total);
    const html = await bodiesHtml(
      c,
      s,
      rows.map((r) => r.body),
    );
    return c.json(
      rows.map((r, k) => commentView(r, issue.number, publicOrigin(c.env), s.repo, html[k])),
    );
  })
  .post(`${ISSUE}/comments`, async (c) => {
    const s = await scopeOf(c);
    const { body } = await jsonInput(c, commentInput);
    const { issue, comment } = await createComment(s, pathNumber(c, 'number'), body);
    await recordCommentEvent(s.db, c.env, s.repo, issue, comment);
    const [html] = await bodiesHtml(c, s, [comment.body]);
    return c.json(commentView(comment, issue.number, publicOrigin(c.env), s.repo, html), 201);
  })
  .get(COMMENT, async (c) => {
    const s = await scopeOf(c);
    const { issue, comment } = await commentOf(s, c.req.param('id'));
    const [html] = await bodiesHtml(c, s, [comment.body]);
    return c.json(commentView(comment, issue.number, publicOrigin(c.env), s.repo, html));
  })
  .patch(COMMENT, async (c) => {
    const s = await scopeOf(c);
    const { body } = await jsonInput(c, commentInput);
    const { issue, comment } = await editComment(s, c.req.param('id'), body);
    const [html] = await bodiesHtml(c, s, [comment.body]);
    return c.json(commentView(comment, issue.number, publicOrigin(c.env), s.repo, html));
  })
  .delete(COMMENT, async (c) => {
    const s = await scopeOf(c);
    await deleteComment(s, c.req.param('id'));
    return c.body(null, 204);
  })
  .get(`${COMMENT}/history`, async (c) => {
    const s = await scopeOf(c);
    const edits = await commentHistory(s, c.req.param('id'));
    return c.json(
      edits.map((e) => ({
        id: Number(e.id),
        editor: e.editor_login,
        body: e.body_before,
        created_at: new Date(e.created_at).toISOString(),
      })),
    );
  })
  .get(`${ISSUE}/reactions`, async (c) => {
    const s = await scopeOf(c);
    return c.json((await reactionsOf(s, { number: pathNumber(c, 'number') })).map(reactionView));
  })
  .post(`${ISSUE}/reactions`, async (c) => {
    const s = await scopeOf(c);
    const { content } = await jsonInput(c, reactionInput);
    const r = await react(s, { number: pathNumber(c, 'number') }, content);
    return c.json(reactionView(r.row), r.created ? 201 : 200);
  })
  .delete(`${ISSUE}/reactions/:reaction`, async (c) => {
    const s = await scopeOf(c);
    await unreact(s, pathNumber(c, 'number'), c.req.param('reaction'));
    return c.body(null, 204);
  })
  .get(`${COMMENT}/reactions`, async (c) => {
    const s = await scopeOf(c);
    return c.json((await reactionsOf(s, { commentId: c.req.param('id') })).map(reactionView));
  })
  .post(`${COMMENT}/reactions`, async (c) => {
    const s = await scopeOf(c);
    const { content } = await jsonInput(c, reactionInput);
    const r = await react(s, { commentId: c.req.param('id') }, content);
    return c.json(reactionView(r.row), r.created ? 201 : 200);
  });
