"""A revenue ledger fed by the streaming rater, checked at every closing.

The host of docs/streaming.md ("What to store where"): it keeps each statement line
by its key, replaced by the latest one said (a reversal alone takes it away), bills
each closed cycle again from the lines as they stand with ``rk.bill()``, and compares
with the closing invoice and with one batch ``rk.rate()`` + ``rk.bill()`` of the cycle.
A second rater, restored from JSON before each step it is told to, must say exactly
what the one never restored says.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import ratekit as rk

TZ = "Pacific/Kiritimati"


def line_key(line: Any) -> tuple[Any, ...]:
    return (line.account, line.cycle, line.kind, line.plan, line.meter, line.entry, line.resource)


def invoice_view(invoice: Any) -> tuple[Any, ...]:
    return (
        invoice.account,
        invoice.cycle,
        invoice.total,
        invoice.precise_total,
        tuple(
            (ln.kind, ln.meter, ln.entry, ln.quantity, ln.precise, ln.amount)
            for ln in invoice.lines
        ),
    )


def statement_view(statement: Any) -> tuple[Any, ...]:
    return (
        tuple((ln.role, line_key(ln), ln.quantity, ln.amount, ln.late) for ln in statement.lines),
        tuple(invoice_view(i) for i in statement.invoices),
        statement.closed,
        tuple((a.kind, a.record_ids, a.message) for a in statement.anomalies),
        tuple((ln.role, line_key(ln), ln.amount) for ln in statement.reported_only),
    )


class Ledger:
    def __init__(self, tz: str | None = TZ) -> None:
        self.tz = tz
        self.lines: dict[tuple[Any, ...], Any] = {}

    def take(self, statement: Any) -> None:
        for line in statement.lines:
            if line.role == "reversal":
                self.lines.pop(line_key(line), None)
            else:
                self.lines[line_key(line)] = line

    def bill(self, cycle: Any) -> tuple[Any, ...]:
        charges = [c for k, ln in self.lines.items() if k[1] == cycle for c in ln.charges]
        return rk.bill(charges, tz=self.tz)


def run(
    assignments: Sequence[rk.Assignment],
    meters: Sequence[rk.Meter],
    start: str,
    script: Sequence[tuple[Any, ...]],
    *,
    recheck: int = 0,
    tz: str = TZ,
    **rater_options: Any,
) -> list[Any]:
    """Run ``script`` (``("feed", records)``, ``("assign", assignments)``,
    ``("statement", as_of)``, ``("restore",)``) and check every closing.

    With ``recheck``, the last ``recheck`` cycles closed are billed again from the
    lines after every statement, against batch rating of the records taken.
    Returns each closing's invoices as the ledger bills them again."""
    kept = rk.Rater(list(assignments), meters, start=start, tz=tz, **rater_options)
    restored = rk.Rater(list(assignments), meters, start=start, tz=tz, **rater_options)
    held = tuple(assignments)
    records: list[Any] = []
    too_late: set[str] = set()
    ledger = Ledger(tz)
    closings: list[Any] = []
    closed: list[Any] = []
    for step in script:
        if step[0] == "restore":
            data = json.loads(json.dumps(restored.snapshot()))
            restored = rk.Rater.restore(data, held, meters)
        elif step[0] == "assign":
            held = kept.assign(*step[1])
            assert restored.assign(*step[1]) == held
        elif step[0] == "feed":
            fed = kept.feed(step[1])
            assert restored.feed(step[1]) == fed
            too_late.update(fed.too_late)
            records.extend(step[1])
        else:
            statement = kept.statement(step[1])
            again = restored.statement(step[1])
            assert statement_view(again) == statement_view(statement)
            for anomaly in statement.anomalies:
                if anomaly.kind == "too_late":
                    too_late.update(anomaly.record_ids)
            ledger.take(statement)
            taken = [r for r in records if r.id not in too_late]
            # batch sees every record taken up to the watermark (a delta stamped
            # after a cycle whose span reaches back into it is that cycle's too)
            cycles = assignments[0].plan.cycle
            # (a rater starts at the start of the cycle holding its ``start``)
            whole = rk.Span(cycles.containing(start).start, cycles.containing(step[1]).end)
            batch = rk.bill(
                rk.rate(taken, list(held), span=whole, meters=meters, as_of=step[1]), tz=tz
            )
            for cycle in statement.closed:
                closing = tuple(invoice_view(i) for i in statement.invoices if i.cycle == cycle)
                from_lines = tuple(invoice_view(i) for i in ledger.bill(cycle))
                from_batch = tuple(invoice_view(i) for i in batch if i.cycle == cycle)
                assert from_lines == closing, (cycle, from_lines, closing)
                assert from_batch == closing, (cycle, from_batch, closing)
                closings.append(ledger.bill(cycle))
                closed.append(cycle)
            if recheck:
                # a late record corrects a kept closed cycle: the lines as they now
                # stand bill what batch rating of the records taken bills
                for cycle in closed[-recheck:]:
                    from_lines = tuple(invoice_view(i) for i in ledger.bill(cycle))
                    from_batch = tuple(invoice_view(i) for i in batch if i.cycle == cycle)
                    assert from_lines == from_batch, (step, cycle, from_lines, from_batch)
    return closings
