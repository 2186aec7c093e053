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


@pytest.fixture(scope="session", autouse=True)
def _import_pandas_once() -> None:
    """The frames import pandas on first use, and its first repr imports its formatters (a
    second or more on a busy machine): pandas' own start-up, not a call's time."""
    try:
        import pandas
    except ImportError:  # pragma: no cover - the pandas extra is part of the test extra
        return
    repr(pandas.DataFrame({"a": [1], "b": ["x"]}))
