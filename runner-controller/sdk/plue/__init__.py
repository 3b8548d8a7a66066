"""plue: define CI workflows in Python.

    from plue import workflow, push

    @workflow(triggers=[push(branches=["main"])])
    def ci(ctx):
        ctx.run(name="test", cmd="make test")

Evaluating a workflow file (`python3 -m plue.evaluate FILE --event JSON`) records a plan, a DAG of
steps, without running anything. Reference: docs/workflows.md.
"""

from .context import Context
from .handles import Group, Result, SecretRef, StepHandle
from .errors import WorkflowError
from .triggers import issue_comment, manual, matches, pull_request, push, schedule
from .definitions import workflow

__all__ = [
    "Context",
    "Group",
    "Result",
    "SecretRef",
    "StepHandle",
    "WorkflowError",
    "issue_comment",
    "manual",
    "matches",
    "pull_request",
    "push",
    "schedule",
    "workflow",
]
