"""A stream drawn by hypothesis: records fed in batches, statements, restores.

Shared by the laws that compare a stream with one batch ``rate()``: the records are fed
in drawn batches of 1 to 3, each followed by a statement at a watermark moved on by a
drawn number of steps, and a restore through ``json`` when drawn; a last statement
closes every cycle up to ``end_us``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from hypothesis import strategies as st

import ratekit as rk


def drawn_stream(  # noqa: PLR0917 - the stream's shape, drawn
    data: st.DataObject,
    records: Sequence[rk.Event | rk.Sample | rk.Inventory],
    plan: rk.Plan,
    meters: list[rk.Meter],
    start_us: int,
    end_us: int,
    step_us: int,
    steps: int,
    bases: list[int] | None = None,
) -> tuple[list[rk.Feed | rk.Statement], list[rk.StatementLine]]:
    """Feed ``records`` as drawn: every feed and statement said, and every line given.

    ``bases``, if given, gets the start of the rater's kept cycles after each report
    (what its too-late parts are named before).
    """
    rater = rk.Rater(plan, meters, start=rk.Span.from_us(start_us, end_us).start)
    reports: list[rk.Feed | rk.Statement] = []
    lines: list[rk.StatementLine] = []
    watermark, position = start_us, 0
    while position < len(records):
        size = data.draw(st.integers(1, 3))
        reports.append(rater.feed(records[position : position + size]))
        kept(rater, bases)
        position += size
        watermark = min(end_us, watermark + data.draw(st.integers(0, steps)) * step_us)
        statement = rater.statement(rk.Span.from_us(watermark, end_us).start)
        reports.append(statement)
        kept(rater, bases)
        lines += statement.lines
        if data.draw(st.booleans()):
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, meters)
    statement = rater.statement(rk.Span.from_us(start_us, end_us).end)
    reports.append(statement)
    kept(rater, bases)
    lines += statement.lines
    return reports, lines


def kept(rater: rk.Rater, bases: list[int] | None) -> None:
    """Append where ``rater``'s kept cycles start to ``bases``, if given."""
    if bases is not None:
        bases.append(rater._base_us)
