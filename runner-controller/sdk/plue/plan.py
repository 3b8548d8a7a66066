"""Turns the steps a Context recorded into the plan JSON: dependencies resolved, cycles refused."""

from __future__ import annotations

from typing import Any

from .context import Context
from .handles import StepHandle
from .errors import WorkflowError


def build_steps(ctx: Context) -> list[dict[str, Any]]:
    """Resolve `depends_on` (handles or names) to ids and check the graph is acyclic."""
    by_name = {s["name"]: s for s in ctx.steps}
    by_id = {s["id"]: s for s in ctx.steps}
    for step in ctx.steps:
        ids: list[str] = []
        for dep in step["_deps"]:
            if isinstance(dep, StepHandle):
                target = by_id.get(dep.id)
                if target is None or target is not dep._step:
                    raise WorkflowError(
                        f"step {step['name']!r} depends on a step of another workflow",
                        step["line"],
                    )
            else:
                target = by_name.get(dep)
                if target is None:
                    raise WorkflowError(
                        f"step {step['name']!r} depends on unknown step {dep!r}", step["line"]
                    )
            if target["id"] not in ids:
                ids.append(target["id"])
        step["depends_on"] = ids
    _check_acyclic(ctx.steps, by_id)
    return [{k: v for k, v in s.items() if k != "_deps"} for s in ctx.steps]


def _check_acyclic(steps: list[dict[str, Any]], by_id: dict[str, dict[str, Any]]) -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in steps:
        if state.get(start["id"]):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start["id"], 0)]
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            deps = by_id[node]["depends_on"]
            if i < len(deps):
                stack.append((node, i + 1))
                nxt = deps[i]
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt) :] + [nxt]
                    names = " -> ".join(by_id[c]["name"] for c in cycle)
                    raise WorkflowError(f"cycle in depends_on: {names} (a -> b: a depends on b)", by_id[nxt]["line"])
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
