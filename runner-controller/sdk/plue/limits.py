"""Limits on what a workflow file may declare, and timeout parsing."""

from __future__ import annotations

import re
from typing import Any

from .errors import WorkflowError

MAX_WORKFLOWS_PER_FILE = 20
MAX_STEPS = 256
MAX_NAME_LENGTH = 100
MAX_CMD_BYTES = 64 * 1024
MAX_ENV_VARS = 100
MAX_ENV_VALUE_BYTES = 32 * 1024
DEFAULT_TIMEOUT = 3600
MAX_TIMEOUT = 6 * 3600

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")


def parse_timeout(value: Any, what: str = "timeout") -> int:
    """Seconds from a number (seconds) or a string like '90s', '10m', '2h'."""
    if isinstance(value, bool):
        raise WorkflowError(f"{what} must be seconds or a string like '10m'")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2) or "s"]
    else:
        raise WorkflowError(f"{what} must be seconds or a string like '10m', not {value!r}")
    if not 1 <= seconds <= MAX_TIMEOUT:
        raise WorkflowError(f"{what} must be between 1 second and {MAX_TIMEOUT // 3600} hours")
    return int(round(seconds))
