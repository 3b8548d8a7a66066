"""The `ctx` object a workflow function receives, and the step handles it returns.

Calling `ctx.run`, `ctx.llm` or `ctx.agent` records a step; nothing runs at plan time. The
recorded steps, with their dependencies resolved to ids, become the plan (see plan.py).
"""

from __future__ import annotations

import copy
import re
import shlex
from typing import Any

from .errors import WorkflowError, user_line
from .handles import SECRET_NAME, Group, OutputRef, Result, SecretRef, Secrets, StepHandle, flatten_deps
from .limits import (
    MAX_CMD_BYTES,
    MAX_ENV_VALUE_BYTES,
    MAX_ENV_VARS,
    MAX_NAME_LENGTH,
    MAX_STEPS,
    parse_timeout,
)

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "step"


class Context:
    """Everything a workflow function can see and do at plan time."""

    def __init__(
        self,
        event: dict[str, Any],
        inputs: dict[str, Any],
        env: dict[str, str],
        default_timeout: int,
        root: str | None,
    ) -> None:
        self.event = copy.deepcopy(event)
        self.repo: str | None = event.get("repo")
        self.ref: str | None = event.get("ref")
        self.sha: str | None = event.get("sha")
        self.inputs = inputs
        secrets = event.get("secrets")
        self.secrets = Secrets(list(secrets) if isinstance(secrets, list) else None)
        self.env = dict(env)
        self._default_timeout = default_timeout
        self._root = root
        self.steps: list[dict[str, Any]] = []
        self._ids: set[str] = set()
        self._names: set[str] = set()

    # -- results ---------------------------------------------------------------------------
    def success(self) -> Result:
        """The run succeeds when all its steps do."""
        return Result("success")

    def fail(self, message: str = "workflow failed") -> Result:
        """End the run as failed at plan time; no step runs."""
        return Result("failure", str(message))

    # -- steps -----------------------------------------------------------------------------
    def run(self, name: Any = None, cmd: Any = None, **options: Any) -> StepHandle:
        """Record a shell command step (`sh -c cmd` in the sandbox)."""
        if isinstance(cmd, (list, tuple)):
            if not all(isinstance(c, str) for c in cmd):
                raise WorkflowError(f"ctx.run: every item of a cmd list must be a string: {cmd!r}")
            cmd = shlex.join(cmd)
        if not isinstance(cmd, str) or not cmd.strip():
            raise WorkflowError("ctx.run needs cmd=, a non-empty shell command")
        if len(cmd.encode()) > MAX_CMD_BYTES:
            raise WorkflowError(f"command of step {name!r} is longer than {MAX_CMD_BYTES} bytes")
        return self._add(name, "run", {"cmd": cmd}, options)

    def llm(self, name: Any = None, prompt: Any = None, **options: Any) -> StepHandle:
        """Record a single LLM call rendered from a `.plue/prompts/*.prompt.md` prompt."""
        extra = {
            "prompt": self._prompt(prompt),
            "model": _opt_str(options.pop("model", None), "model"),
            "vars": _vars(options.pop("vars", None), options),
        }
        return self._add(name, "llm", extra, options)

    def agent(self, name: Any = None, prompt: Any = None, **options: Any) -> StepHandle:
        """Record an agent step: a tool-using model loop inside the sandbox."""
        max_turns = options.pop("max_turns", 40)
        if not isinstance(max_turns, int) or isinstance(max_turns, bool) or not 1 <= max_turns <= 200:
            raise WorkflowError("max_turns must be an integer between 1 and 200")
        extra = {
            "prompt": self._prompt(prompt),
            "model": _opt_str(options.pop("model", None), "model"),
            "vars": _vars(options.pop("vars", None), options),
            "max_turns": max_turns,
        }
        return self._add(name, "agent", extra, options)

    def parallel(self, steps: Any) -> Group:
        """Group steps that run side by side; use the group in `depends_on` to wait for all."""
        handles = flatten_deps(steps)
        for h in handles:
            if not isinstance(h, StepHandle):
                raise WorkflowError("ctx.parallel takes the handles returned by ctx.run/llm/agent")
        ids = {h.id for h in handles}
        for h in handles:
            for dep in h._step["_deps"]:
                dep_id = dep.id if isinstance(dep, StepHandle) else None
                if dep_id in ids:
                    raise WorkflowError(
                        f"ctx.parallel: step {h.name!r} depends on {dep.name!r} in the same group"
                    )
        return Group(handles)

    # -- internals -------------------------------------------------------------------------
    def _prompt(self, prompt: Any) -> str:
        import os.path

        if not isinstance(prompt, str) or not prompt:
            raise WorkflowError("prompt= must name a file such as '.plue/prompts/review.prompt.md'")
        norm = os.path.normpath(prompt)
        if (
            not norm.startswith(".plue/prompts/")
            or not norm.endswith(".prompt.md")
            or os.path.isabs(prompt)
        ):
            raise WorkflowError(
                f"prompt {prompt!r} must be a file under .plue/prompts/ ending in .prompt.md"
            )
        if self._root is not None and not os.path.isfile(os.path.join(self._root, norm)):
            raise WorkflowError(f"prompt file {norm} does not exist in the repository")
        return norm

    def _add(self, name: Any, kind: str, extra: dict[str, Any], options: dict[str, Any]) -> StepHandle:
        line = user_line()
        if not isinstance(name, str) or not name.strip():
            raise WorkflowError(f"a {kind} step needs name=, a non-empty string")
        if len(name) > MAX_NAME_LENGTH:
            raise WorkflowError(f"step name longer than {MAX_NAME_LENGTH} characters")
        if name in self._names:
            raise WorkflowError(f"duplicate step name {name!r}")
        if len(self.steps) >= MAX_STEPS:
            raise WorkflowError(f"a workflow may have at most {MAX_STEPS} steps")
        allowed = {"env", "depends_on", "timeout", "continue_on_error", "secrets", "network"}
        unknown = set(options) - allowed
        if unknown:
            raise WorkflowError(f"unknown option(s) for ctx.{kind}: {', '.join(sorted(unknown))}")
        env, secret_env = self._env(options.get("env"))
        for s in _secret_names(options.get("secrets")):
            secret_env.setdefault(s, s)
        timeout = options.get("timeout")
        timeout = self._default_timeout if timeout is None else parse_timeout(timeout, "step timeout")
        if timeout > self._default_timeout:
            raise WorkflowError(
                f"step timeout {timeout}s exceeds the workflow timeout {self._default_timeout}s"
            )
        coe = options.get("continue_on_error", False)
        if not isinstance(coe, bool):
            raise WorkflowError("continue_on_error must be True or False")
        network = options.get("network", False)
        if not isinstance(network, bool):
            raise WorkflowError("network must be True or False")
        step_id = base = _slug(name)
        n = 2
        while step_id in self._ids:
            step_id = f"{base}-{n}"
            n += 1
        step: dict[str, Any] = {"id": step_id, "name": name, "type": kind, **extra}
        step.update(
            {
                "env": env,
                "secret_env": secret_env,
                "secrets": sorted(set(secret_env.values())),
                "depends_on": [],
                "timeout": timeout,
                "continue_on_error": coe,
                "network": network,
                "line": line,
                "_deps": flatten_deps(options.get("depends_on")),
            }
        )
        self._ids.add(step_id)
        self._names.add(name)
        self.steps.append(step)
        return StepHandle(step)

    def _env(self, given: Any) -> tuple[dict[str, str], dict[str, str]]:
        env = dict(self.env)
        secret_env: dict[str, str] = {}
        if given is None:
            return env, secret_env
        if not isinstance(given, dict):
            raise WorkflowError("env= must be a dict of NAME -> value")
        for key, value in given.items():
            if not isinstance(key, str) or not ENV_NAME.match(key):
                raise WorkflowError(f"invalid environment variable name {key!r}")
            if key.startswith("PLUE_"):
                raise WorkflowError(f"{key}: names starting with PLUE_ are reserved")
            if isinstance(value, SecretRef):
                env.pop(key, None)
                secret_env[key] = value.name
                continue
            env[key] = env_value(key, value)
        if len(env) + len(secret_env) > MAX_ENV_VARS:
            raise WorkflowError(f"a step may have at most {MAX_ENV_VARS} environment variables")
        return env, secret_env


def env_value(key: str, value: Any) -> str:
    """Stringify an env value: str, int, float or bool (as 'true'/'false')."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        raise WorkflowError(f"env {key}: value must be a string, number or bool, not {value!r}")
    if len(value.encode()) > MAX_ENV_VALUE_BYTES or "\0" in value:
        raise WorkflowError(f"env {key}: value too long or contains a NUL byte")
    return value


def _secret_names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, SecretRef)):
        value = [value]
    out = []
    for v in value:
        name = v.name if isinstance(v, SecretRef) else v
        if not isinstance(name, str) or not SECRET_NAME.match(name):
            raise WorkflowError(f"secrets= takes secret names, got {v!r}")
        out.append(name)
    return out


def _opt_str(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise WorkflowError(f"{what} must be a string")
    return value


def _vars(value: Any, options: dict[str, Any]) -> dict[str, Any]:
    """Plain values, lists and dicts of them, and earlier steps' outputs (`review.output.x`);
    a step whose output is used becomes a dependency (added to options["depends_on"])."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise WorkflowError("vars= must be a dict with string keys")
    out: dict[str, Any] = {}
    for k, v in value.items():
        if isinstance(v, OutputRef):
            deps = flatten_deps(options.get("depends_on"))
            if v._handle not in deps:
                deps.append(v._handle)
            options["depends_on"] = deps
            out[k] = v.to_json()
        elif _plain(v):
            out[k] = copy.deepcopy(v)
        else:
            raise WorkflowError(
                f"vars[{k!r}] must be a string, number, bool, None, a list or dict of those, "
                f"or a step's output"
            )
    return out


def _plain(v: Any, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if isinstance(v, (str, int, float, bool, type(None))):
        return True
    if isinstance(v, list):
        return all(_plain(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _plain(x, depth + 1) for k, x in v.items())
    return False
