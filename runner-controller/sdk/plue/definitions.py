"""The `@workflow` decorator and the per-file registry the evaluator reads.

Decorating a function records its triggers and settings; the function itself is called only by
the evaluator, with a Context, when an event matches one of its triggers.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .context import env_value
from .errors import WorkflowError, user_line
from .limits import DEFAULT_TIMEOUT, MAX_WORKFLOWS_PER_FILE, parse_limits, parse_timeout
from .triggers import Trigger

_IMAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")


class WorkflowDef:
    """One decorated function and its declared settings."""

    def __init__(
        self,
        fn: Callable[..., Any],
        name: str,
        triggers: list[Trigger],
        image: str | None,
        timeout: int,
        env: dict[str, str],
        line: int | None,
        limits: dict[str, Any] | None = None,
    ) -> None:
        self.fn = fn
        self.name = name
        self.triggers = triggers
        self.image = image
        self.timeout = timeout
        self.env = env
        self.line = line
        self.limits = limits


# Filled while one workflow file executes; the evaluator clears it before each file.
registry: list[WorkflowDef] = []


def workflow(
    triggers: Any = None,
    image: Any = None,
    timeout: Any = None,
    env: Any = None,
    name: Any = None,
    memory: Any = None,
    pids: Any = None,
    cpus: Any = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a workflow: `@workflow(triggers=[push(branches=["main"])], image=..., ...)`.

    memory= ('2g'), pids= (512) and cpus= (1.5) set each step's limits; unset, the controller's
    defaults apply.
    """
    line = user_line()
    if callable(triggers) and not isinstance(triggers, Trigger):
        raise WorkflowError("use @workflow(triggers=[...]) with parentheses", line)
    if triggers is None or isinstance(triggers, Trigger):
        triggers = [] if triggers is None else [triggers]
    if not isinstance(triggers, (list, tuple)) or not triggers:
        raise WorkflowError("@workflow needs triggers=[...] with at least one trigger", line)
    for t in triggers:
        if not isinstance(t, Trigger):
            raise WorkflowError(
                f"unknown trigger {t!r}; use push(), pull_request(), manual(), schedule() or "
                "issue_comment()",
                line,
            )
    if image is not None and (not isinstance(image, str) or not _IMAGE.match(image)):
        raise WorkflowError(f"invalid image {image!r}", line)
    seconds = DEFAULT_TIMEOUT if timeout is None else parse_timeout(timeout, "workflow timeout")
    if env is not None and not isinstance(env, dict):
        raise WorkflowError("env= must be a dict of NAME -> value", line)
    env_json = {str(k): env_value(str(k), v) for k, v in (env or {}).items()}
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise WorkflowError("name= must be a non-empty string", line)
    try:
        limits = parse_limits(memory, pids, cpus)
    except WorkflowError as e:
        raise WorkflowError(e.message, line) from None

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise WorkflowError("@workflow decorates a function taking ctx", line)
        wf_name = name or getattr(fn, "__name__", "workflow")
        if any(w.name == wf_name for w in registry):
            raise WorkflowError(f"duplicate workflow name {wf_name!r}", line)
        if len(registry) >= MAX_WORKFLOWS_PER_FILE:
            raise WorkflowError(f"at most {MAX_WORKFLOWS_PER_FILE} workflows per file", line)
        registry.append(
            WorkflowDef(fn, wf_name, list(triggers), image, seconds, env_json, line, limits)
        )
        return fn

    return decorate
