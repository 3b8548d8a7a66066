/**
 * The "Ask @plue" prompt box on issue and landing-request pages: a plain form that posts a
 * comment starting with `@plue` to the thread's comment endpoint (same-origin checked like every
 * form; the handler prefixes the mention), which starts the repository's `issue_comment`
 * workflows like a typed mention. Pages show it only to people who may comment, and only when a
 * workflow of the repository answers `@plue` (services/agents/comment-events.ts).
 */
export function AskPlue(p: { issuePath: string }) {
  return (
    <form method="post" action={`${p.issuePath}/comments`} class="ask-plue" aria-label="Ask @plue">
      <label for="ask-plue">
        Ask @plue <span class="muted">(an agent run answers here as a comment)</span>
      </label>
      <textarea id="ask-plue" name="ask" required />
      <p class="bar">
        <button type="submit">Ask @plue</button>
      </p>
    </form>
  );
}
