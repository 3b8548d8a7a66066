"""Errors a workflow file can cause, each pointing at a line of that file.

The evaluator turns a WorkflowError (or any other exception raised while the file runs) into the
single `{"error": {...}}` document it prints; `line` is filled in from the call stack when the
SDK cannot know it directly.
"""

from __future__ import annotations

import sys

# Set by the evaluator to the absolute path of the workflow file being executed, so SDK calls can
# report the line of the user's code that called them.
_current_file: list[str] = []


class WorkflowError(Exception):
    """A mistake in a workflow file: bad trigger, bad step, cycle, disallowed import, ..."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line if line is not None else user_line()


def user_line() -> int | None:
    """Line of the innermost frame that belongs to the workflow file being evaluated."""
    if not _current_file:
        return None
    target = _current_file[-1]
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == target:
            return frame.f_lineno
        frame = frame.f_back
    return None
