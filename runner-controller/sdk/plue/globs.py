"""Glob patterns for branch, tag and path filters.

`*` matches any run of characters except `/`, `**` matches across `/` (and `**/` also matches
nothing, so `src/**/x.py` matches `src/x.py`), `?` one character except `/`, `[abc]` / `[!abc]`
a character class. A pattern list is read in order: a plain pattern includes what it matches, a
pattern starting with `!` excludes it again, the last matching pattern wins (as in GitHub Actions).
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=512)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """Translate one glob pattern into an anchored regular expression."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                i += 2
                if i < n and pattern[i] == "/":
                    # `**/` matches zero or more whole directories.
                    out.append("(?:.*/)?")
                    i += 1
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 2 if i + 1 < n and pattern[i + 1] in "!^" else i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                negate = body[:1] in ("!", "^")
                if negate:
                    body = body[1:]
                body = body.replace("\\", "\\\\")
                out.append(("[^/" if negate else "[") + body + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    """True when `value` matches the whole glob `pattern`."""
    return compile_glob(pattern).match(value) is not None


def match_list(patterns: list[str], value: str) -> bool:
    """Apply an ordered include/`!`exclude pattern list; only exclusions means 'all but these'."""
    included = all(p.startswith("!") for p in patterns)
    for p in patterns:
        if p.startswith("!"):
            if glob_match(p[1:], value):
                included = False
        elif glob_match(p, value):
            included = True
    return included


def check_patterns(kind: str, patterns: object) -> list[str]:
    """Validate a user-supplied pattern list (a string is accepted as a list of one)."""
    from .errors import WorkflowError

    if patterns is None:
        return []
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, (list, tuple)) or not all(isinstance(p, str) for p in patterns):
        raise WorkflowError(f"{kind} must be a list of glob patterns (strings)")
    for p in patterns:
        if p in ("", "!"):
            raise WorkflowError(f"{kind}: empty pattern")
    return list(patterns)
