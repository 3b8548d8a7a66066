"""The agent's file tools, run inside the step's sandbox (runner-controller/agent/tools.ts).

Reads one request from /plue-call/input.json ({"tool": name, "input": {...}}) and prints one
JSON answer: {"ok": true, "output": text} or {"ok": false, "error": text}. Paths are relative to
the workspace and must stay inside it (symbolic links are resolved first). Standard library only.
"""

import base64
import json
import os
import re
import subprocess
import sys

ROOT = "/workspace"
MAX_READ = 100_000
MAX_LIST = 1000
MAX_MATCHES = 200


class ToolError(Exception):
    pass


def resolve(path, must_exist=True):
    if not isinstance(path, str) or path == "" or "\0" in path:
        raise ToolError("path must be a non-empty string")
    full = os.path.realpath(os.path.join(ROOT, path))
    if full != ROOT and not full.startswith(ROOT + "/"):
        raise ToolError(f"{path}: outside the workspace")
    if must_exist and not os.path.exists(full):
        raise ToolError(f"{path}: no such file or directory")
    return full


def rel(full):
    return os.path.relpath(full, ROOT)


def read_text(full, path):
    if os.path.isdir(full):
        raise ToolError(f"{path}: is a directory")
    with open(full, "rb") as f:
        data = f.read(MAX_READ + 1)
    if b"\0" in data[:8192]:
        raise ToolError(f"{path}: binary file")
    text = data[:MAX_READ].decode("utf-8", errors="replace")
    return text, len(data) > MAX_READ


def read_file(a):
    full = resolve(a.get("path"))
    text, cut = read_text(full, a["path"])
    return text + (f"\n[truncated at {MAX_READ} bytes]" if cut else "")


def write_file(a):
    content = a.get("content")
    if not isinstance(content, str):
        raise ToolError("content must be a string")
    full = resolve(a.get("path"), must_exist=False)
    if os.path.isdir(full):
        raise ToolError(f"{a['path']}: is a directory")
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(content)
    return f"wrote {len(content.encode())} bytes to {rel(full)}"


def edit_file(a):
    old, new = a.get("old_string"), a.get("new_string")
    if not isinstance(old, str) or old == "" or not isinstance(new, str):
        raise ToolError("old_string (non-empty) and new_string must be strings")
    full = resolve(a.get("path"))
    text, cut = read_text(full, a["path"])
    if cut:
        raise ToolError(f"{a['path']}: too large to edit")
    n = text.count(old)
    if n == 0:
        raise ToolError(f"{a['path']}: old_string not found; read the file and copy the text exactly")
    if n > 1:
        raise ToolError(f"{a['path']}: old_string occurs {n} times; include more context so it is unique")
    with open(full, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))
    return f"edited {rel(full)}"


def walk(full):
    for d, dirs, files in os.walk(full):
        dirs[:] = sorted(x for x in dirs if x != ".git")
        for name in sorted(files):
            yield os.path.join(d, name)


def list_dir(a):
    full = resolve(a.get("path") or ".")
    if not os.path.isdir(full):
        raise ToolError(f"{a.get('path')}: not a directory")
    out = []
    if a.get("recursive"):
        for p in walk(full):
            out.append(rel(p))
            if len(out) >= MAX_LIST:
                break
    else:
        for name in sorted(os.listdir(full)):
            out.append(name + ("/" if os.path.isdir(os.path.join(full, name)) else ""))
    more = "\n[more entries not shown]" if len(out) >= MAX_LIST else ""
    return "\n".join(out[:MAX_LIST]) + more


def grep(a):
    try:
        rx = re.compile(a.get("pattern") or "")
    except (re.error, TypeError) as e:
        raise ToolError(f"invalid pattern: {e}")
    full = resolve(a.get("path") or ".")
    files = [full] if os.path.isfile(full) else walk(full)
    out = []
    for p in files:
        try:
            with open(p, "rb") as f:
                data = f.read(1_000_000)
        except OSError:
            continue
        if b"\0" in data[:8192]:
            continue
        for i, line in enumerate(data.decode("utf-8", errors="replace").split("\n"), 1):
            if rx.search(line):
                out.append(f"{rel(p)}:{i}: {line[:300]}")
                if len(out) >= MAX_MATCHES:
                    return "\n".join(out) + "\n[more matches not shown]"
    return "\n".join(out) if out else "no matches"


MAX_CHANGE_BYTES = 600_000
MAX_CHANGES = 200


def changes(_a):
    """The workspace's changes against its checkout (git status): for open_landing_request.

    Not a tool the model calls: the controller asks for it when the model calls the forge tool.
    Answers a JSON list of {path, content_base64 (null: deleted), executable}.
    """
    r = subprocess.run(
        ["git", "-c", "safe.directory=*", "-c", "core.quotepath=off", "status",
         "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"],
        cwd=ROOT, capture_output=True, timeout=60, check=False)
    if r.returncode != 0:
        raise ToolError("git status failed: " + r.stderr.decode("utf-8", "replace")[:500])
    out, total = [], 0
    for entry in r.stdout.split(b"\0"):
        if len(entry) < 4:
            continue
        path = entry[3:].decode("utf-8", "surrogateescape")
        full = os.path.join(ROOT, path)
        if os.path.islink(full) or (os.path.exists(full) and not os.path.isfile(full)):
            continue
        if len(out) >= MAX_CHANGES:
            raise ToolError(f"more than {MAX_CHANGES} changed files")
        if not os.path.exists(full):
            out.append({"path": path, "content_base64": None})
            continue
        with open(full, "rb") as f:
            data = f.read(MAX_CHANGE_BYTES + 1)
        total += len(data)
        if total > MAX_CHANGE_BYTES:
            raise ToolError(f"the changes exceed {MAX_CHANGE_BYTES} bytes")
        out.append({"path": path, "content_base64": base64.b64encode(data).decode("ascii"),
                    "executable": os.access(full, os.X_OK)})
    return json.dumps(out)


TOOLS = {"read_file": read_file, "write_file": write_file, "edit_file": edit_file,
         "list": list_dir, "grep": grep, "changes": changes}


def main():
    with open("/plue-call/input.json", encoding="utf-8") as f:
        req = json.load(f)
    fn = TOOLS.get(req.get("tool"))
    args = req.get("input")
    try:
        if fn is None:
            raise ToolError(f"unknown tool {req.get('tool')!r}")
        if not isinstance(args, dict):
            raise ToolError("the tool input must be an object")
        answer = {"ok": True, "output": fn(args)}
    except ToolError as e:
        answer = {"ok": False, "error": str(e)}
    except OSError as e:
        answer = {"ok": False, "error": f"{e.strerror or e}"}
    sys.stdout.write(json.dumps(answer))


main()
