#!/bin/sh
# Builds ssh2's optional native crypto add-on (sshcrypto.node: AES-GCM and chacha20-poly1305 in
# C, one call per SSH packet instead of a fresh Node cipher object and four writes) for the Node
# that will run the bridge, and puts it where the esbuild bundle of the bridge loads it from:
# <bundle dir>/crypto/build/Release/sshcrypto.node. npm skips ssh2's own install script
# (`npm ci --ignore-scripts`, npm 11's default), so nothing else builds it. Without it the bridge
# still works (ssh2 falls back to Node's crypto), at ~20% more CPU per byte served.
# Needs python3, make and a C++ compiler, and npm's bundled node-gyp; offline (headers come from
# the Node installation itself).
# Usage: sh ssh-bridge/build-native.sh <bundle dir> [node binary]
set -eu
# Under `npm run`, npm's settings (npm_config_nodedir=… of the Node npm runs on) would override
# the flags below and build for the wrong Node.
for v in $(env | sed -n 's/^\(npm_config_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
out=$1
node=${2:-node}
root=$(cd "$(dirname "$0")/.." && pwd)
node_bin=$("$node" -p process.execPath)
nodedir=$(dirname "$(dirname "$node_bin")")
openssl_major=$("$node" -p "process.versions.openssl.split('.')[0]")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
gyp="$npm_dir/node_modules/node-gyp/bin/node-gyp.js"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/node_modules/ssh2/lib/protocol/crypto/binding.gyp" \
  "$root/node_modules/ssh2/lib/protocol/crypto/src" "$tmp/"
# binding.gyp runs `node -e "require('nan')"` for nan's include path: the target Node, first on
# PATH, finds nan (an ssh2 dependency) through NODE_PATH.
if ! (cd "$tmp" && PATH="$(dirname "$node_bin"):$PATH" NODE_PATH="$root/node_modules" \
  "$node_bin" "$gyp" rebuild --nodedir="$nodedir" --real_openssl_major="$openssl_major" \
  >"$tmp/build.log" 2>&1); then
  tail -20 "$tmp/build.log" >&2
  echo "building ssh2's native crypto add-on failed" >&2
  exit 1
fi
mkdir -p "$out/crypto/build/Release"
cp "$tmp/build/Release/sshcrypto.node" "$out/crypto/build/Release/sshcrypto.node"
"$node_bin" -e "require(process.argv[1])" "$out/crypto/build/Release/sshcrypto.node"
