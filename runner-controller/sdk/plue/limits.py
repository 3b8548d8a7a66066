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
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?)?\s*$", re.IGNORECASE)

# What a workflow may ask for per step (the controller also caps these by its own maxima).
MIN_MEMORY = 16 * 1024**2
MAX_MEMORY = 64 * 1024**3
MAX_PIDS = 32768
MAX_CPUS = 64


def parse_memory(value: Any) -> int:
    """Bytes from a number (bytes) or a string like '512m', '2g', '2GiB'."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise WorkflowError(f"memory must be bytes or a string like '2g', not {value!r}")
    if isinstance(value, str):
        m = _SIZE.match(value)
        if not m:
            raise WorkflowError(f"memory must be bytes or a string like '2g', not {value!r}")
        unit = (m.group(2) or "").lower()[:1]
        n = float(m.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]
    else:
        n = float(value)
    if not MIN_MEMORY <= n <= MAX_MEMORY:
        raise WorkflowError("memory must be between 16 MiB and 64 GiB")
    return int(n)


def parse_limits(memory: Any, pids: Any, cpus: Any) -> dict[str, Any] | None:
    """The plan's `limits` ({memory_bytes, pids, cpus}, each None when unset), or None."""
    if memory is None and pids is None and cpus is None:
        return None
    out: dict[str, Any] = {"memory_bytes": None, "pids": None, "cpus": None}
    if memory is not None:
        out["memory_bytes"] = parse_memory(memory)
    if pids is not None:
        if isinstance(pids, bool) or not isinstance(pids, int) or not 16 <= pids <= MAX_PIDS:
            raise WorkflowError(f"pids must be a whole number from 16 to {MAX_PIDS}")
        out["pids"] = pids
    if cpus is not None:
        number = isinstance(cpus, (int, float)) and not isinstance(cpus, bool)
        if not number or not 0.1 <= cpus <= MAX_CPUS:
            raise WorkflowError(f"cpus must be a number from 0.1 to {MAX_CPUS}")
        out["cpus"] = float(cpus)
    return out


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
