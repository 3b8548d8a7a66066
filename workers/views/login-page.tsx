/**
 * The sign-in page. Its small script (the one place JavaScript is needed: a wallet) asks the
 * injected EIP-1193 wallet for an account and chain, fetches a nonce, builds the EIP-4361
 * message, asks for a `personal_sign` signature, posts it to /api/v1/auth/verify and goes on
 * (by way of /welcome, to choose a username, after a first sign-in).
 * The message's domain and URI are the configured public address (PLUE_PUBLIC_URL), which the
 * server checks; on any other address the page says where to sign in instead.
 */
import { raw } from 'hono/html';
import { Layout } from './layout';

const SCRIPT = `
(function () {
  var btn = document.getElementById('connect');
  var status = document.getElementById('status');
  function say(t) { status.textContent = t; }
  function toHex(s) {
    return '0x' + Array.from(new TextEncoder().encode(s), function (b) {
      return b.toString(16).padStart(2, '0');
    }).join('');
  }
  function nextPath() {
    var n = new URLSearchParams(location.search).get('next') || '/';
    return n.charAt(0) === '/' && n.charAt(1) !== '/' && n.charAt(1) !== '\\\\' ? n : '/';
  }
  var domain = btn.dataset.domain, uri = btn.dataset.uri;
  if (location.origin !== uri) {
    var link = document.createElement('a');
    link.href = uri + '/login';
    link.textContent = uri + '/login';
    status.textContent = 'This Plue signs in at its configured address: ';
    status.appendChild(link);
    btn.disabled = true;
    return;
  }
  btn.addEventListener('click', async function () {
    var eth = window.ethereum;
    if (!eth) { say('No wallet found. Install a browser wallet (EIP-1193) and reload this page.'); return; }
    btn.disabled = true;
    try {
      say('Connecting to your wallet…');
      var accounts = await eth.request({ method: 'eth_requestAccounts' });
      var address = accounts[0];
      var chainId = parseInt(await eth.request({ method: 'eth_chainId' }), 16);
      var res = await fetch('/api/v1/auth/nonce', { credentials: 'same-origin' });
      if (!res.ok) throw new Error('could not get a nonce (HTTP ' + res.status + ')');
      var nonce = (await res.json()).nonce;
      var now = new Date();
      var message = domain + ' wants you to sign in with your Ethereum account:\\n' +
        address + '\\n\\nSign in to Plue.\\n\\n' +
        'URI: ' + uri + '\\n' + 'Version: 1\\n' + 'Chain ID: ' + chainId + '\\n' +
        'Nonce: ' + nonce + '\\n' + 'Issued At: ' + now.toISOString() + '\\n' +
        'Expiration Time: ' + new Date(now.getTime() + 10 * 60000).toISOString();
      say('Waiting for your signature…');
      var signature = await eth.request({ method: 'personal_sign', params: [toHex(message), address] });
      var v = await fetch('/api/v1/auth/verify', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: message, signature: signature })
      });
      if (!v.ok) {
        var e = await v.json().catch(function () { return {}; });
        var err = e.error || {};
        throw new Error((err.message || 'HTTP ' + v.status) + (err.code ? ' (' + err.code + ')' : ''));
      }
      var signedIn = await v.json().catch(function () { return {}; });
      say('Signed in. Redirecting…');
      location.assign(signedIn.choose_username
        ? '/welcome?next=' + encodeURIComponent(nextPath())
        : nextPath());
    } catch (e) {
      say('Sign-in failed: ' + (e && e.message ? e.message : String(e)));
      btn.disabled = false;
    }
  });
})();
`;

export function LoginPage(props: { chainIds: number[]; domain: string; uri: string }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      <p>
        Plue signs you in with your Ethereum wallet (Sign-In with Ethereum, EIP-4361). Your wallet
        shows the message before you sign it; signing costs nothing and sends no transaction.
      </p>
      <p class="muted">Accepted chain ids: {props.chainIds.join(', ')}.</p>
      <p>
        <button
          id="connect"
          class="primary"
          type="button"
          data-domain={props.domain}
          data-uri={props.uri}
        >
          Sign in with Ethereum
        </button>
      </p>
      <p id="status" role="status" aria-live="polite"></p>
      <noscript>
        <p class="bad">✗ Signing in with a wallet needs JavaScript.</p>
      </noscript>
      <script>{raw(SCRIPT)}</script>
    </Layout>
  );
}
