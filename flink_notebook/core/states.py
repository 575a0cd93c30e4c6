"""Flink job states and job ids, as the REST API and the web UI show them."""

from __future__ import annotations

import re

#: States a job does not leave.
TERMINAL = frozenset({"FINISHED", "CANCELED", "FAILED"})
#: A job id: 32 hexadecimal characters.
JOB_ID = re.compile(r"[0-9a-f]{32}")


def is_job_id(text: str) -> bool:
    return JOB_ID.fullmatch(text) is not None
