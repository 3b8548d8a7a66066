"""dulwich (Debian's python3-dulwich) as a git client for the tests: clone, fetch, push over HTTPS.

Usage: dulwich_client.py clone <url> <dir> | fetch <dir> | push <dir> <file> <text> <message>
The URL carries the credentials (dulwich reads them from it, but stores the clone's remote
without the password, so the clone puts the whole URL back into the config). Prints the commit id for push;
exits non-zero with dulwich's message on failure.
"""
import os
import sys

from dulwich import porcelain
from dulwich.repo import Repo


def main(argv):
    cmd = argv[1]
    if cmd == "clone":
        with porcelain.clone(argv[2], argv[3], errstream=sys.stderr.buffer) as repo:
            config = repo.get_config()
            config.set((b"remote", b"origin"), b"url", argv[2].encode())
            config.write_to_path()
            print(repo.head().decode())
    elif cmd == "fetch":
        with Repo(argv[2]) as repo:
            porcelain.fetch(repo, "origin", errstream=sys.stderr.buffer)
            print(repo.refs[b"refs/remotes/origin/main"].decode())
    elif cmd == "push":
        path, text, message = argv[3], argv[4], argv[5]
        with open(os.path.join(argv[2], path), "w") as f:
            f.write(text)
        with Repo(argv[2]) as repo:
            porcelain.add(repo, [os.path.join(argv[2], path)])
            oid = porcelain.commit(
                repo,
                message.encode(),
                author=b"dulwich Test <dulwich@plue.invalid>",
                committer=b"dulwich Test <dulwich@plue.invalid>",
            )
            porcelain.push(repo, "origin", b"refs/heads/main", errstream=sys.stderr.buffer)
            print(oid.decode())
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
