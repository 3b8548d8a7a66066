"""Values a workflow function handles: secret references, step handles, groups, results.

They are opaque at plan time: a SecretRef has a name but never a value, a StepHandle only
identifies a recorded step so another step can depend on it.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import WorkflowError

SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SecretRef:
    """A reference to a repository secret. Its value is never known at plan time."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _refuse(self, *_: Any) -> str:
        raise WorkflowError(
            f"secret {self.name!r} cannot be put into a string; pass it to a step with "
            f"env={{'VAR': ctx.secrets[{self.name!r}]}} or secrets=[{self.name!r}]"
        )

    __str__ = _refuse
    __format__ = _refuse
    __add__ = _refuse
    __radd__ = _refuse

    def __repr__(self) -> str:
        return f"<secret {self.name}>"


class Secrets:
    """`ctx.secrets`: `ctx.secrets["NAME"]` or `ctx.secrets.NAME` gives a SecretRef."""

    def __init__(self, names: list[str] | None) -> None:
        self._names = names

    def __getitem__(self, name: str) -> SecretRef:
        if not isinstance(name, str) or not SECRET_NAME.match(name):
            raise WorkflowError(f"invalid secret name {name!r}")
        return SecretRef(name)

    def __getattr__(self, name: str) -> SecretRef:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __contains__(self, name: object) -> bool:
        return self._names is None or name in self._names

    def names(self) -> list[str]:
        """Names of the repository's secrets, when the event lists them (else [])."""
        return list(self._names or [])


class OutputRef:
    """`review.output.summary`: a later step's view of a model step's output.

    Its value exists only once that step has run, so at plan time it can only be passed in
    another llm/agent step's `vars=` (which then depends on the step); the runner fills it in.
    """

    def __init__(self, step: "StepHandle", path: tuple[str | int, ...] = ()) -> None:
        self._handle = step
        self._path = path

    def __getattr__(self, name: str) -> "OutputRef":
        if name.startswith("_"):
            raise AttributeError(name)
        return OutputRef(self._handle, self._path + (name,))

    def __getitem__(self, key: str | int) -> "OutputRef":
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise WorkflowError(f"{self!r}: index with a field name or a list position")
        return OutputRef(self._handle, self._path + (key,))

    def _refuse(self, *_: Any) -> str:
        raise WorkflowError(
            f"{self!r} is only known when step {self._handle.name!r} has run; pass it to a "
            f"model step's vars= instead of putting it into a string"
        )

    __str__ = _refuse
    __format__ = _refuse
    __add__ = _refuse
    __radd__ = _refuse

    def __bool__(self) -> bool:
        raise WorkflowError(f"{self!r} has no value at plan time; it cannot decide an if")

    def to_json(self) -> dict[str, Any]:
        return {"$output": {"step": self._handle.id, "path": list(self._path)}}

    def __repr__(self) -> str:
        return ".".join([self._handle.name, "output", *(str(p) for p in self._path)])


class StepHandle:
    """What `ctx.run`/`ctx.llm`/`ctx.agent` return: pass it in another step's `depends_on`;
    the output of an llm/agent step is `handle.output` (e.g. `review.output.summary`)."""

    def __init__(self, step: dict[str, Any]) -> None:
        self._step = step

    @property
    def output(self) -> OutputRef:
        if self._step["type"] == "run":
            raise WorkflowError(f"step {self.name!r} runs a command; only llm and agent steps have an output")
        return OutputRef(self)

    @property
    def id(self) -> str:
        return self._step["id"]

    @property
    def name(self) -> str:
        return self._step["name"]

    def __repr__(self) -> str:
        return f"<step {self.name}>"


class Group:
    """What `ctx.parallel` returns: depending on a group depends on each of its steps."""

    def __init__(self, steps: list[StepHandle]) -> None:
        self.steps = steps

    def __iter__(self):  # noqa: ANN204 - iterator of StepHandle
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> StepHandle:
        return self.steps[i]


class Result:
    """What `ctx.success()` / `ctx.fail(msg)` return; the workflow function returns it."""

    def __init__(self, status: str, message: str | None = None) -> None:
        self.status = status
        self.message = message

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message}


def flatten_deps(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (StepHandle, str)):
        return [value]
    if isinstance(value, Group):
        return list(value.steps)
    if isinstance(value, (list, tuple)):
        out: list[Any] = []
        for v in value:
            out.extend(flatten_deps(v))
        return out
    raise WorkflowError(f"depends_on takes steps, step names or ctx.parallel groups, not {value!r}")
