"""Report how many calls the fuzzers made when ``RATEKIT_FUZZ_REPORT`` names a file."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _report_fuzz_calls() -> Iterator[None]:
    yield
    path = os.environ.get("RATEKIT_FUZZ_REPORT")
    if path:
        from .hostile import CALLS

        lines = [f"{count} {what}" for what, count in sorted(CALLS.items())]
        lines.append(f"{sum(CALLS.values())} calls in all")
        pathlib.Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
