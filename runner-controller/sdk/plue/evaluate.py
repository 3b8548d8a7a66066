"""Evaluate one workflow file into a plan: `python3 -m plue.evaluate FILE [--event JSON]`.

Prints exactly one JSON document on stdout and exits 0 for `{"workflows": [...]}` or 1 for
`{"error": {"message", "file", "line"}}`. Whatever the workflow prints goes to stderr.
`--events-file F` (a JSON list of events) evaluates the file once per event in this one process
and prints `{"results": [document, ...]}` in the events' order, exit 0: the controller evaluates
the events of one push (many branches at one commit) with one sandbox per file. The file is run
afresh for each event, so no event's plan sees what another's left in module state.

The file runs with a restricted `__import__` (only `plue` and a few pure standard-library
modules) and without `open`/`input`. That rule keeps plans a function of the file and the event;
it is not the security boundary — the controller runs this evaluator inside the same sandbox as
steps, with the repository read-only and no network.
"""

from __future__ import annotations

import argparse
import builtins
import json
import os
import sys
import traceback
from typing import Any

from . import definitions, errors
from .context import Context
from .handles import Result
from .errors import WorkflowError
from .plan import build_steps
from .triggers import Manual, coerce_inputs, matches

ALLOWED_MODULES = frozenset(
    {
        "plue",
        "__future__",
        "re",
        "json",
        "math",
        "fnmatch",
        "shlex",
        "string",
        "textwrap",
        "itertools",
        "functools",
        "collections",
        "dataclasses",
        "enum",
        "typing",
    }
)
REMOVED_BUILTINS = ("open", "input", "breakpoint", "exit", "quit", "help")


def _guarded_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
    if level != 0:
        raise ImportError("relative imports are not allowed in workflow files")
    top = name.split(".")[0]
    if top not in ALLOWED_MODULES:
        allowed = ", ".join(sorted(m for m in ALLOWED_MODULES if m != "__future__"))
        raise ImportError(
            f"import of {name!r} is not allowed in workflow files; allowed modules: {allowed}"
        )
    return builtins.__import__(name, globals, locals, fromlist, level)


def _restricted_builtins() -> dict[str, Any]:
    b = dict(builtins.__dict__)
    for name in REMOVED_BUILTINS:
        b.pop(name, None)
    b["__import__"] = _guarded_import
    return b


class _Failure(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _line_in(tb: Any, path: str) -> int | None:
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == path:
            line = lineno
    return line


def _describe(exc: BaseException) -> str:
    if isinstance(exc, WorkflowError):
        return exc.message
    if isinstance(exc, ImportError) and exc.name == "plue" and "cannot import name" in str(exc):
        return (
            f"{exc} (plue exports workflow, push, pull_request, manual, schedule, "
            "issue_comment, matches)"
        )
    if isinstance(exc, ImportError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _run_guarded(fn: Any, path: str, fallback_line: int | None) -> Any:
    try:
        return fn()
    except _Failure:
        raise
    except RecursionError:
        raise _Failure("RecursionError: maximum recursion depth exceeded", fallback_line) from None
    except Exception as exc:  # noqa: BLE001 - every error in user code becomes an error document
        line = exc.line if isinstance(exc, WorkflowError) and exc.line else None
        raise _Failure(_describe(exc), line or _line_in(exc.__traceback__, path) or fallback_line) from None


def _load(path: str) -> list[definitions.WorkflowDef]:
    with builtins.open(path, "rb") as f:
        source = f.read()
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise _Failure(f"SyntaxError: {exc.msg}", exc.lineno) from None
    except ValueError as exc:  # e.g. source contains NUL bytes
        raise _Failure(f"invalid source: {exc}", None) from None
    definitions.registry.clear()
    scope = {"__name__": "__plue_workflow__", "__file__": path, "__builtins__": _restricted_builtins()}
    _run_guarded(lambda: exec(code, scope), path, None)
    if not definitions.registry:
        raise _Failure("no @workflow defined in this file", None)
    return list(definitions.registry)


def _evaluate_one(wf: definitions.WorkflowDef, event: dict[str, Any], path: str, root: str | None) -> dict[str, Any]:
    matched = any(matches(t, event, wf.name) for t in wf.triggers)
    out: dict[str, Any] = {"matched": matched, "steps": None, "result": None}
    if not matched:
        return out
    spec: dict[str, Any] = {}
    for t in wf.triggers:
        if isinstance(t, Manual) and event.get("type") == "manual":
            spec = t.inputs
    inputs = _run_guarded(lambda: coerce_inputs(spec, event.get("inputs")), path, wf.line)
    ctx = Context(event, inputs, wf.env, wf.timeout, root)
    ret = _run_guarded(lambda: wf.fn(ctx), path, wf.line)
    if ret is None:
        ret = ctx.success()
    if not isinstance(ret, Result):
        raise _Failure(
            f"workflow {wf.name!r} must return ctx.success(), ctx.fail(msg) or nothing", wf.line
        )
    out["steps"] = _run_guarded(lambda: build_steps(ctx), path, wf.line)
    out["result"] = ret.to_json()
    return out


def evaluate_file(path: str, event: dict[str, Any] | None, root: str | None = None) -> dict[str, Any]:
    """Evaluate `path` against `event` (None: only list the workflows) into one JSON-able dict."""
    path = os.path.abspath(path)
    shown = os.path.relpath(path, root) if root else path
    errors._current_file.append(path)
    try:
        workflows = []
        for wf in _load(path):
            doc: dict[str, Any] = {
                "name": wf.name,
                "file": shown,
                "line": wf.line,
                "triggers": [t.to_json() for t in wf.triggers],
                "image": wf.image,
                "timeout": wf.timeout,
                "env": wf.env,
                "limits": wf.limits,
                "matched": None,
                "steps": None,
                "result": None,
            }
            if event is not None:
                doc.update(_evaluate_one(wf, event, path, root))
            workflows.append(doc)
        return {"workflows": workflows}
    except _Failure as f:
        return {"error": {"message": f.message, "file": shown, "line": f.line}}
    finally:
        errors._current_file.pop()
        definitions.registry.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m plue.evaluate")
    parser.add_argument("file", nargs="?")
    parser.add_argument("--event", help="the event as JSON")
    parser.add_argument("--event-file", help="a file holding the event as JSON")
    parser.add_argument("--events-file", help="a file holding a JSON list of events")
    parser.add_argument("--root", help="repository root (file paths are shown relative to it)")
    parser.add_argument(
        "--serve",
        action="store_true",
        help="wait for one request on stdin: {file, root, event} or {file, root, events}",
    )
    args = parser.parse_args(argv)
    if args.serve:
        return _serve()
    if not args.file:
        parser.error("the workflow file is required")
    if args.events_file:
        return _main_many(args.file, args.events_file, args.root)
    out = sys.stdout
    sys.stdout = sys.stderr  # the workflow's own prints must not corrupt the JSON document
    try:
        event = None
        raw = args.event
        if args.event_file:
            with builtins.open(args.event_file, encoding="utf-8") as f:
                raw = f.read()
        if raw is not None:
            try:
                event = json.loads(raw)
            except ValueError as exc:
                event = exc
            if not isinstance(event, dict):
                doc = {"error": {"message": "the event must be a JSON object", "file": None, "line": None}}
                out.write(json.dumps(doc) + "\n")
                return 1
        try:
            doc = evaluate_file(args.file, event, args.root)
        except Exception as exc:  # noqa: BLE001 - a bug here must still yield one JSON document
            traceback.print_exc()
            doc = {"error": {"message": f"internal evaluator error: {exc}", "file": args.file, "line": None}}
    finally:
        sys.stdout = out
    out.write(json.dumps(doc) + "\n")
    out.flush()
    return 1 if "error" in doc else 0


def _serve() -> int:
    """A warm evaluator: started ahead of need (the SDK already imported), it reads one request
    from stdin and answers it exactly as the command line would, then exits."""
    raw = sys.stdin.read()
    try:
        req = json.loads(raw)
    except ValueError:
        req = None
    file = req.get("file") if isinstance(req, dict) else None
    root = req.get("root") if isinstance(req, dict) else None
    if not isinstance(file, str) or not (root is None or isinstance(root, str)):
        doc = {"error": {"message": "the request must name a file", "file": None, "line": None}}
        sys.stdout.write(json.dumps(doc) + "\n")
        return 1
    if "events" in req:
        return _main_many(file, None, root, events=req["events"])
    event = req.get("event")
    return main([file, *(["--root", root] if root else []), *(["--event", json.dumps(event)] if event is not None else [])])


def _main_many(path: str, events_file: str | None, root: str | None, events: Any = None) -> int:
    out = sys.stdout
    sys.stdout = sys.stderr
    try:
        if events_file is not None:
            with builtins.open(events_file, encoding="utf-8") as f:
                try:
                    events = json.loads(f.read())
                except ValueError:
                    events = None
        if not isinstance(events, list):
            doc: dict[str, Any] = {"error": {"message": "the events must be a JSON list", "file": None, "line": None}}
        else:
            results = []
            for event in events:
                if not isinstance(event, dict):
                    results.append({"error": {"message": "the event must be a JSON object", "file": None, "line": None}})
                    continue
                try:
                    results.append(evaluate_file(path, event, root))
                except Exception as exc:  # noqa: BLE001 - as in main(): one document per event
                    traceback.print_exc()
                    results.append({"error": {"message": f"internal evaluator error: {exc}", "file": path, "line": None}})
            doc = {"results": results}
    finally:
        sys.stdout = out
    out.write(json.dumps(doc) + "\n")
    out.flush()
    return 1 if "error" in doc else 0


if __name__ == "__main__":
    code = main()
    # The answer is written and flushed: exit without the interpreter's teardown (collecting every
    # module and object takes longer than the evaluation did, and the controller waits for the exit).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
