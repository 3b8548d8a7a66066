#!/usr/bin/env bash
# Installs the system tools Plue's tests use when they are missing: git, the OpenSSH client,
# python3, Chromium (browser tests), bubblewrap (the local sandbox), for sandboxed steps with
# network slirp4netns (their uplink), nftables (their filter) and iproute2 (`ip`), and the git
# clients the protocol v0/v1 tests drive: libgit2 (python3-pygit2) and dulwich (python3-dulwich).
# Uses apt-get as root;
# as another user it only says what is missing. Safe to run again: it installs nothing present.
set -euo pipefail

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v python3 >/dev/null 2>&1 || need+=(python3)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
[ -x /usr/bin/slirp4netns ] || need+=(slirp4netns)
[ -x /usr/sbin/nft ] || need+=(nftables)
[ -x /usr/sbin/ip ] || need+=(iproute2)
# Debian's own interpreter: the packaged bindings are not visible to another python3 on PATH.
/usr/bin/python3 -c 'import pygit2' >/dev/null 2>&1 || need+=(python3-pygit2)
/usr/bin/python3 -c 'import dulwich' >/dev/null 2>&1 || need+=(python3-dulwich)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
# Deduplicate.
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
if [ "$(id -u)" != "0" ]; then
  echo "setup-system: missing ${need[*]}; install them (sudo apt-get install -y ${need[*]}) and run again" >&2
  exit 1
fi
echo "setup-system: installing ${need[*]} (apt-get)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "setup-system: done"
