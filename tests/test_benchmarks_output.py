"""The benchmark scripts print what they measured, run small (a few seconds each)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(script: str, *arguments: str) -> list[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *arguments],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        timeout=300,
    )
    return done.stdout.splitlines()


def test_rater_bench_does_not_size_a_compacted_state_it_does_not_have() -> None:
    # After the month's last statement nothing is compacted (March is kept until April
    # closes): the line printed "2 B, 2 B per resource", the size of an empty list.
    last = _run("rater_bench.py", "--records", "2000")[-1]
    assert last.startswith("the metering state alone")
    assert "2 B per resource" not in last
    assert "none yet" in last


def test_assign_bench_prints_its_three_cases() -> None:
    lines = _run("assign_bench.py", "--customers", "20")
    assert [line.split(":")[0].rstrip() for line in lines] == [
        "onboard 20 at once",
        "one more among 20",
        "a change ten years ahead (hourly cycles)",
    ]
    assert all(" s CPU" in line for line in lines)


def test_counter_stream_bench_checks_the_stream_against_batch_rating() -> None:
    # A day of readings, a counter's and a peak's: each stream's lines add up to one
    # batch rate() (the script stops otherwise) and the line says so.
    for meter in ("counter", "max"):
        (line,) = _run("counter_stream_bench.py", "--days", "1", "--meter", meter)
        assert line.startswith(f"{meter}, 288 readings over 1 day, a statement every 2: ")
        assert line.endswith("us per reading (lines equal batch rating)")


def test_statement_bench_prints_the_law_the_statements_and_the_baseline() -> None:
    # Three of the law's streams (and five first, out of the measure): the milliseconds
    # per example, the statements per second, and the multiple of one batch rate().
    law, statements, baseline = _run("statement_bench.py", "--examples", "3")
    assert law.startswith("law: 3 examples in ")
    assert law.endswith(" ms per example")
    assert statements.startswith("statements: ")
    assert statements.endswith(" statements per second")
    assert baseline.startswith("baseline, one batch rate() per stream: ")
    assert baseline.endswith(" x that")
