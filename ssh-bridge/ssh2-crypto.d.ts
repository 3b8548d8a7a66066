// ssh2's crypto module (CommonJS, no type declarations of its own): only what the bridge reads.
declare module 'ssh2/lib/protocol/crypto.js' {
  const crypto: { bindingAvailable: boolean };
  export default crypto;
}
