"""Run every check the project promises, in order, and stop at the first failure.

Usage (from the project root, with the development extra installed)::

    python scripts/check.py

Steps: first ``ruff check``, ``ruff format --check``, ``mypy --strict src`` and
``mkdocs build --strict`` side by side (each on one core, their outputs printed whole in
that order once all are done), with a collection of the tests beside them that leaves
pytest's rewritten test modules cached as bytecode for the steps after (bytecode is
written even where ``PYTHONDONTWRITEBYTECODE`` says not to: each process and worker
would otherwise rewrite ~700 modules, ~25 s each); then the example tests on every core (pytest-xdist) with
branch coverage of ``src/ratekit`` (at least 90 %, enforced; doctests of ``src/`` and
``docs/`` included), which read the pages of that same strict docs build
(``RATEKIT_BUILT_SITE``) instead of building the site again; then the hypothesis
properties (marked ``property`` by ``tests/conftest.py``) and the heavy examples (large
streams and long runs, marked ``heavy``) on every core without coverage, and every script
in ``examples/``.
The properties and the heavy examples run apart because Python 3.11's tracer makes them
two to three times slower and they add little coverage to the other examples' (which
cover every rule); their example budgets are ``tests/_budget.py``'s.
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


def _run(title: str, *args: str, env: dict[str, str] | None = None) -> None:
    print(f"\n=== {title}: {' '.join(args)}", flush=True)
    started = time.monotonic()
    code = subprocess.call(args, cwd=ROOT, env=env)
    elapsed = time.monotonic() - started
    if code != 0:
        print(f"=== {title} FAILED (exit code {code}) after {elapsed:.1f} s", flush=True)
        sys.exit(code)
    print(f"=== {title} ok ({elapsed:.1f} s)", flush=True)


def _run_together(*steps: tuple[str, tuple[str, ...]]) -> None:
    """Run one-core steps side by side, then print each one's output whole, in order.

    Exits with the first failing step's code once all are done.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as logs:
        running = []
        for number, (title, args) in enumerate(steps):
            log = Path(logs, f"{number}.log").open("w+", encoding="utf-8")  # noqa: SIM115
            process = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            running.append((title, args, process, log))
        failed = 0
        for title, args, process, log in running:
            code = process.wait()
            elapsed = time.monotonic() - started
            log.seek(0)
            print(f"\n=== {title}: {' '.join(args)}\n{log.read()}", end="", flush=True)
            log.close()
            if code != 0:
                print(f"=== {title} FAILED (exit code {code}) after {elapsed:.1f} s", flush=True)
                failed = failed or code
            else:
                print(f"=== {title} ok (done {elapsed:.1f} s after the start)", flush=True)
    if failed:
        sys.exit(failed)


def main() -> None:
    """Run the checks; exit with the first failing step's code."""
    python = sys.executable
    folders = ("src", "tests", "examples", "benchmarks", "scripts")
    # idle workers take queued tests from busy ones: no lone slow law at the end
    # the slowest tests named in each step's log: where the next trim of the budget goes
    pytest = (
        python,
        "-m",
        "pytest",
        "--numprocesses=auto",
        "--dist=worksteal",
        "-q",
        "--durations=15",
    )
    with tempfile.TemporaryDirectory() as site:
        docs = ("mkdocs", "build", "--strict", "--quiet", "--site-dir", site)
        # pytest's rewrite of ~700 test modules, cached as bytecode once for every later
        # process and worker; a collection error shows in the tests step, not here
        warm = subprocess.Popen(
            (*pytest[:3], "--collect-only", "-q", "-p", "no:cacheprovider"),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _run_together(
            ("lint", (python, "-m", "ruff", "check", *folders)),
            ("format", (python, "-m", "ruff", "format", "--check", *folders)),
            ("types", (python, "-m", "mypy", "--strict", "src")),
            ("docs", (python, "-m", *docs)),
        )
        warm.wait()
        # tests/test_docs_render.py reads the pages of the build just checked
        _run(
            "tests",
            *pytest,
            "-m",
            "not property and not heavy",
            "--cov=ratekit",
            "--cov-branch",
            "--cov-report=term",
            "--cov-fail-under=90",
            "-p",
            "no:cacheprovider",
            env={**os.environ, "RATEKIT_BUILT_SITE": site},
        )
    _run("properties", *pytest, "-m", "property or heavy", "-p", "no:cacheprovider")
    for example in sorted((ROOT / "examples").glob("*.py")):
        _run(f"example {example.name}", python, str(example))
    print("\nAll checks passed.")


if __name__ == "__main__":
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    # Bytecode is written (pytest keeps its rewritten test modules that way): where the
    # host forbids it, each pytest process and worker would rewrite them all again.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    main()
