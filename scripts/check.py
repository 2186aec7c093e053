"""Run every check the project promises, in order, and stop at the first failure.

Usage (from the project root, with the development extra installed)::

    python scripts/check.py

Steps: the example tests on every core (pytest-xdist) with branch coverage of
``src/ratekit`` (at least 90 %, enforced; doctests of ``src/`` and ``docs/`` included),
then the hypothesis properties (marked ``property`` by ``tests/conftest.py``) on every
core without coverage, ``ruff check``, ``ruff format --check``, ``mypy --strict src``,
``mkdocs build --strict`` and every script in ``examples/``.
The properties run apart because Python 3.11's tracer makes them three times slower and
they add little coverage to the examples' (which cover every rule); their example
budgets stay whole (``tests/_budget.py``).
ruff reads the Python directories only: the Markdown pages under ``docs/`` are prose whose
``>>>`` examples run as doctests, so their layout is the doctest's, not the formatter's.
pytest's exit code 5 (no tests collected) is a failure like any other non-zero code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(title: str, *args: str) -> None:
    print(f"\n=== {title}: {' '.join(args)}", flush=True)
    started = time.monotonic()
    code = subprocess.call(args, cwd=ROOT)
    elapsed = time.monotonic() - started
    if code != 0:
        print(f"=== {title} FAILED (exit code {code}) after {elapsed:.1f} s", flush=True)
        sys.exit(code)
    print(f"=== {title} ok ({elapsed:.1f} s)", flush=True)


def main() -> None:
    """Run the checks; exit with the first failing step's code."""
    python = sys.executable
    # idle workers take queued tests from busy ones: no lone slow law at the end
    pytest = (python, "-m", "pytest", "--numprocesses=auto", "--dist=worksteal", "-q")
    _run(
        "tests",
        *pytest,
        "-m",
        "not property",
        "--cov=ratekit",
        "--cov-branch",
        "--cov-report=term",
        "--cov-fail-under=90",
        "-p",
        "no:cacheprovider",
    )
    _run("properties", *pytest, "-m", "property", "-p", "no:cacheprovider")
    _run(
        "lint",
        python,
        "-m",
        "ruff",
        "check",
        "src",
        "tests",
        "examples",
        "benchmarks",
        "scripts",
    )
    _run(
        "format",
        python,
        "-m",
        "ruff",
        "format",
        "--check",
        "src",
        "tests",
        "examples",
        "benchmarks",
        "scripts",
    )
    _run("types", python, "-m", "mypy", "--strict", "src")
    with tempfile.TemporaryDirectory() as site:
        _run("docs", python, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", site)
    for example in sorted((ROOT / "examples").glob("*.py")):
        _run(f"example {example.name}", python, str(example))
    print("\nAll checks passed.")


if __name__ == "__main__":
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    main()
