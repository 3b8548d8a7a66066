"""Triggers (`push`, `pull_request`, `manual`, `schedule`, `issue_comment`) and `matches()`.

A trigger is a small value object with a JSON form (`to_json`). `matches(trigger, event)` decides
whether an event starts a workflow; it accepts a trigger object or its JSON form, so the same rule
applies wherever the plan is read back. Event shapes are documented in docs/workflows.md.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import WorkflowError
from .globs import check_patterns, match_list

PULL_REQUEST_TYPES = ("opened", "synchronize", "landed", "closed")
DEFAULT_PULL_REQUEST_TYPES = ("opened", "synchronize")
INPUT_TYPES = ("string", "number", "boolean")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?]+$")


class Trigger:
    """Base class: every trigger has a `type` and a JSON form."""

    type = ""

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.type}({self.to_json()})"


class Push(Trigger):
    type = "push"

    def __init__(self, branches: Any = None, tags: Any = None, paths: Any = None) -> None:
        self.branches = check_patterns("push(branches=)", branches)
        self.tags = check_patterns("push(tags=)", tags)
        self.paths = check_patterns("push(paths=)", paths)

    def to_json(self) -> dict[str, Any]:
        return {"type": "push", "branches": self.branches, "tags": self.tags, "paths": self.paths}


class PullRequest(Trigger):
    type = "pull_request"

    def __init__(self, types: Any = None) -> None:
        if types is None:
            types = list(DEFAULT_PULL_REQUEST_TYPES)
        if isinstance(types, str):
            types = [types]
        if not isinstance(types, (list, tuple)) or not types:
            raise WorkflowError("pull_request(types=) must be a non-empty list")
        for t in types:
            if t not in PULL_REQUEST_TYPES:
                raise WorkflowError(
                    f"unknown pull_request type {t!r}; use one of {', '.join(PULL_REQUEST_TYPES)}"
                )
        self.types = list(types)

    def to_json(self) -> dict[str, Any]:
        return {"type": "pull_request", "types": self.types}


def _input_type(name: str, spec: Any) -> Any:
    by_python = {str: "string", int: "number", float: "number", bool: "boolean"}
    if isinstance(spec, type) and spec in by_python:
        return by_python[spec]
    if isinstance(spec, str) and spec in INPUT_TYPES:
        return spec
    if isinstance(spec, (list, tuple)) and spec and all(isinstance(c, str) for c in spec):
        return {"choice": list(spec)}
    raise WorkflowError(
        f"manual input {name!r}: type must be 'string', 'number', 'boolean' "
        "(or str/int/float/bool) or a list of choices"
    )


class Manual(Trigger):
    type = "manual"

    def __init__(self, inputs: Any = None) -> None:
        inputs = inputs or {}
        if not isinstance(inputs, dict):
            raise WorkflowError("manual(inputs=) must be a dict of name -> type")
        self.inputs: dict[str, Any] = {}
        for name, spec in inputs.items():
            if not isinstance(name, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", name):
                raise WorkflowError(f"manual input name {name!r} is not a valid identifier")
            self.inputs[name] = _input_type(name, spec)

    def to_json(self) -> dict[str, Any]:
        return {"type": "manual", "inputs": self.inputs}


class Schedule(Trigger):
    type = "schedule"

    def __init__(self, cron: Any = None) -> None:
        if not isinstance(cron, str):
            raise WorkflowError("schedule(cron=) needs a cron expression such as '0 3 * * *'")
        fields = cron.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise WorkflowError(f"invalid cron expression {cron!r}: expected 5 fields")
        self.cron = " ".join(fields)

    def to_json(self) -> dict[str, Any]:
        return {"type": "schedule", "cron": self.cron}


class IssueComment(Trigger):
    type = "issue_comment"

    def __init__(self, contains: Any = None) -> None:
        if contains is not None and (not isinstance(contains, str) or not contains):
            raise WorkflowError("issue_comment(contains=) must be a non-empty string")
        self.contains = contains

    def to_json(self) -> dict[str, Any]:
        return {"type": "issue_comment", "contains": self.contains}


def push(branches: Any = None, tags: Any = None, paths: Any = None) -> Push:
    """Run on pushes to matching branches/tags that change matching paths."""
    return Push(branches=branches, tags=tags, paths=paths)


def pull_request(types: Any = None) -> PullRequest:
    """Run on landing-request events of the given types (default: opened, synchronize)."""
    return PullRequest(types=types)


def manual(inputs: Any = None) -> Manual:
    """Run when dispatched from the API or the workflow page, with typed inputs."""
    return Manual(inputs=inputs)


def schedule(cron: Any = None) -> Schedule:
    """Run on a cron schedule (5 fields, UTC)."""
    return Schedule(cron=cron)


def issue_comment(contains: Any = None) -> IssueComment:
    """Run when a comment is posted whose body contains `contains` (case-insensitive)."""
    return IssueComment(contains=contains)


def _as_json(trigger: Any) -> dict[str, Any]:
    if isinstance(trigger, Trigger):
        return trigger.to_json()
    if isinstance(trigger, dict) and isinstance(trigger.get("type"), str):
        return trigger
    raise TypeError(f"not a trigger: {trigger!r}")


def _match_push(t: dict[str, Any], event: dict[str, Any]) -> bool:
    ref = event.get("ref")
    if not isinstance(ref, str) or event.get("deleted"):
        return False
    branches = t.get("branches") or []
    tags = t.get("tags") or []
    if ref.startswith("refs/heads/"):
        name = ref[len("refs/heads/") :]
        if branches:
            ok = match_list(branches, name)
        else:
            # A filter on tags only means "tags, not branches" (as in GitHub Actions).
            ok = not tags
    elif ref.startswith("refs/tags/"):
        name = ref[len("refs/tags/") :]
        ok = match_list(tags, name) if tags else not branches
    else:
        return False
    if not ok:
        return False
    paths = t.get("paths") or []
    changed = event.get("changed_files")
    if not paths or not isinstance(changed, list):
        # Unknown changed files (e.g. a new branch) count as a match rather than a silent skip.
        return True
    return any(isinstance(f, str) and match_list(paths, f) for f in changed)


def _comment_body(event: dict[str, Any]) -> str | None:
    comment = event.get("comment")
    if isinstance(comment, dict) and isinstance(comment.get("body"), str):
        return comment["body"]
    body = event.get("body")
    return body if isinstance(body, str) else None


def matches(trigger: Any, event: Any, workflow: str | None = None) -> bool:
    """Whether `event` starts a workflow with `trigger`; `workflow` names it for manual events."""
    t = _as_json(trigger)
    if not isinstance(event, dict) or event.get("type") != t["type"]:
        return False
    kind = t["type"]
    if kind == "push":
        return _match_push(t, event)
    if kind == "pull_request":
        return event.get("action") in (t.get("types") or DEFAULT_PULL_REQUEST_TYPES)
    if kind == "manual":
        wanted = event.get("workflow")
        return wanted is None or workflow is None or wanted == workflow
    if kind == "schedule":
        cron = event.get("cron")
        return isinstance(cron, str) and " ".join(cron.split()) == t.get("cron")
    if kind == "issue_comment":
        body = _comment_body(event)
        if body is None:
            return False
        contains = t.get("contains")
        return contains is None or contains.lower() in body.lower()
    return False


def coerce_inputs(spec: dict[str, Any], given: Any) -> dict[str, Any]:
    """Check and convert the inputs of a manual event against a `manual(inputs=)` declaration."""
    given = given if isinstance(given, dict) else {}
    out: dict[str, Any] = {}
    for name, kind in spec.items():
        value = given.get(name)
        if value is None:
            out[name] = None
        elif kind == "string":
            out[name] = str(value)
        elif kind == "boolean":
            if isinstance(value, bool):
                out[name] = value
            elif str(value).lower() in ("true", "1", "yes"):
                out[name] = True
            elif str(value).lower() in ("false", "0", "no", ""):
                out[name] = False
            else:
                raise WorkflowError(f"input {name!r}: expected a boolean, got {value!r}")
        elif kind == "number":
            try:
                num = float(value)
            except (TypeError, ValueError):
                raise WorkflowError(f"input {name!r}: expected a number, got {value!r}") from None
            out[name] = int(num) if num.is_integer() else num
        else:
            choices = kind["choice"]
            if value not in choices:
                raise WorkflowError(f"input {name!r}: {value!r} is not one of {choices}")
            out[name] = value
    for name, value in given.items():
        if name not in out:
            out[name] = value
    return out
