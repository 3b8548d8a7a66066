"""libgit2 (through Debian's python3-pygit2) as a git client for the tests: clone, fetch, push.

Usage: libgit2_client.py clone <url> <dir> | fetch <dir> | push <dir> <file> <text> <message>
Credentials come from the environment: PLUE_TOKEN (HTTPS), PLUE_SSH_KEY (SSH private key path).
Prints the commit id for push; exits non-zero with libgit2's message on failure.
"""
import os
import sys

import pygit2


class Callbacks(pygit2.RemoteCallbacks):
    def credentials(self, url, username_from_url, allowed_types):
        if allowed_types & pygit2.GIT_CREDENTIAL_SSH_KEY:
            key = os.environ["PLUE_SSH_KEY"]
            return pygit2.Keypair(username_from_url or "git", key + ".pub", key, "")
        return pygit2.UserPass("x", os.environ["PLUE_TOKEN"])

    def certificate_check(self, certificate, valid, host):
        # The test's bridge has a fresh host key; the HTTPS stack is plain HTTP on loopback.
        return True


def main(argv):
    cmd = argv[1]
    if cmd == "clone":
        repo = pygit2.clone_repository(argv[2], argv[3], callbacks=Callbacks())
        print(repo.head.target)
    elif cmd == "fetch":
        repo = pygit2.Repository(argv[2])
        stats = repo.remotes["origin"].fetch(callbacks=Callbacks())
        print(stats.received_objects)
    elif cmd == "push":
        repo = pygit2.Repository(argv[2])
        path, text, message = argv[3], argv[4], argv[5]
        with open(os.path.join(argv[2], path), "w") as f:
            f.write(text)
        repo.index.add(path)
        repo.index.write()
        tree = repo.index.write_tree()
        sig = pygit2.Signature("libgit2 Test", "libgit2@plue.invalid")
        oid = repo.create_commit("HEAD", sig, sig, message, tree, [repo.head.target])
        repo.remotes["origin"].push(["refs/heads/main:refs/heads/main"], callbacks=Callbacks())
        print(oid)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
