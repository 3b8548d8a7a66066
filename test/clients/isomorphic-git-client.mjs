/**
 * isomorphic-git (npm) as a git client for the tests: clone, fetch, push over HTTPS with its Node
 * HTTP transport and the real file system.
 *
 * Usage: isomorphic-git-client.mjs clone <url> <dir> | fetch <dir> | push <dir> <file> <text> <message>
 * The token comes from PLUE_TOKEN. Prints the commit id for push; exits 1 with the error.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';

const onAuth = () => ({ username: 'x', password: process.env.PLUE_TOKEN ?? '' });
const author = { name: 'isomorphic-git Test', email: 'isogit@plue.invalid' };

async function main([cmd, a, b, c, d]) {
  if (cmd === 'clone') {
    await git.clone({ fs, http, dir: b, url: a, onAuth });
    console.log(await git.resolveRef({ fs, dir: b, ref: 'HEAD' }));
  } else if (cmd === 'fetch') {
    const r = await git.fetch({ fs, http, dir: a, onAuth });
    console.log(r.fetchHead);
  } else if (cmd === 'push') {
    fs.writeFileSync(join(a, b), c);
    await git.add({ fs, dir: a, filepath: b });
    const oid = await git.commit({ fs, dir: a, message: d, author });
    const r = await git.push({ fs, http, dir: a, remote: 'origin', ref: 'main', onAuth });
    if (!r.ok) throw new Error(`push refused: ${JSON.stringify(r.refs)}`);
    console.log(oid);
  } else throw new Error(`unknown command ${cmd}`);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
