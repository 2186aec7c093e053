"""A record stamped exactly at a watermark that ends a cycle is accounted for.

Metering at a watermark reads the records stamped before it: one stamped at it is
metered by the next statement. When that watermark is also a cycle's end, a STOP (or a
DELETE) there ends the closed cycle's last piece, as batch gives it (batch names it in
that cycle's charge), but the closing invoice was given without it. It is then judged as
the same record fed just after the statement (late): shown by a line given since, the
invoices of its own cycle or an anomaly, else in ``no_effect``; never lost. Worked by
hand in the comments.

Setup: daily UTC cycles, ``vm.hours`` on/off at 1 EUR an hour; ``r2`` of ``b`` started
4 March 22:00 (``go``).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
GO = rk.Event("b", "r2", "2026-03-04T22:00:00Z", kind="start", id="go")
EDGE = "2026-03-05T00:00:00Z"  # the end of 4 March's cycle
ENDERS = [
    rk.Event("b", "r2", EDGE, kind="stop", id="x"),
    rk.Event("b", "r2", EDGE, kind="delete", id="x"),
]


def _invoiced(statement: rk.Statement) -> list[tuple[int, tuple[str, ...]]]:
    """Per charge of the statement's invoices: its cycle's day and its provenance."""
    return [
        (charge.cycle.start.day, charge.record_ids)
        for invoice in statement.invoices
        for line in invoice.lines
        for charge in line.charges
    ]


def test_batch_names_the_stop_in_the_closed_cycles_charge() -> None:
    # The reference: 22:00 -> 24:00 = 2 h, ended by the STOP at midnight.
    for ender in ENDERS:
        rating = rk.rate(
            [GO, ender],
            PLAN,
            span=rk.Span("2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z"),
            meters=[VM],
        )
        assert [(c.cycle.start.day, c.quantity, c.record_ids) for c in rating.charges] == [
            (4, Decimal(2), ("go", "x"))
        ]


@pytest.mark.parametrize("ender", ENDERS, ids=["stop", "delete"])
@pytest.mark.parametrize("restore", [False, True], ids=["kept", "restored"])
@pytest.mark.parametrize(
    "between", [[], ["2026-03-05T06:00:00Z"]], ids=["next-closing", "a-statement-between"]
)
def test_an_ender_at_the_watermark_of_a_cycles_end_is_in_no_effect(
    ender: rk.Event, restore: bool, between: list[str]
) -> None:
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    assert rater.feed([GO, ender]).accepted == ("go", "x")
    first = rater.statement(EDGE)
    # 4 March: 22:00 -> 24:00 = 2 h; the record at midnight is not read yet.
    assert [(x.cycle.start.day, x.quantity, x.record_ids) for x in first.lines] == [
        (4, Decimal(2), ("go",))
    ]
    assert _invoiced(first) == [(4, ("go",))]
    assert first.no_effect == ()
    said: set[str] = set()
    for as_of in [*between, "2026-03-08T00:00:00Z"]:
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM])
        statement = rater.statement(as_of)
        # Nothing changes in money: 4 March stays 2 h, 5-7 March bill nothing.
        assert statement.lines == ()
        assert statement.anomalies == ()
        assert _invoiced(statement) == []
        said.update(statement.no_effect)
    # The closing of 5-7 March names it: no charge told shows it.
    assert statement.no_effect == ("x",)
    assert said == {"x"}


@pytest.mark.parametrize("ender", ENDERS, ids=["stop", "delete"])
def test_fed_before_or_just_after_the_statement_it_is_told_alike(ender: rk.Event) -> None:
    told = []
    for after in (False, True):
        rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
        rater.feed([GO] if after else [GO, ender])
        rater.statement(EDGE)
        if after:  # its cycle closed: late, and the 2 h stand (no line)
            assert rater.feed([ender]).late == ("x",)
        statement = rater.statement("2026-03-08T00:00:00Z")
        told.append((statement.lines, statement.anomalies, statement.no_effect))
    assert told[0] == told[1] == ((), (), ("x",))


def test_a_record_at_the_watermark_in_its_own_cycles_charge_is_not_in_no_effect() -> None:
    # A START at the watermark runs in the cycle after it: 5-7 March, 24 h each, its
    # charges name it; no_effect does not.
    start = rk.Event("b", "r3", EDGE, kind="start", id="y")
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([GO, start])
    rater.statement(EDGE)
    statement = rater.statement("2026-03-08T00:00:00Z")
    assert statement.no_effect == ()
    assert [(day, ids) for day, ids in _invoiced(statement)] == [
        (5, ("go",)),
        (5, ("y",)),
        (6, ("go",)),
        (6, ("y",)),
        (7, ("go",)),
        (7, ("y",)),
    ]


def test_a_watermark_past_the_cycles_end_reads_the_stop_into_the_invoice() -> None:
    # The watermark at 01:00: the STOP at midnight is read, and the closing invoice of
    # 4 March names it, as batch does; nothing later repeats it.
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([GO, ENDERS[0]])
    first = rater.statement("2026-03-05T01:00:00Z")
    assert _invoiced(first) == [(4, ("go", "x"))]
    assert rater.statement("2026-03-08T00:00:00Z").no_effect == ()


EGRESS = rk.Meter("egress", "GB", rk.Counter())
USERS = rk.Meter("users", "user", rk.Max())
WIDE = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)),
        rk.PriceEntry("eg", "egress", rk.PerUnit(1)),
        rk.PriceEntry("u", "users", rk.PerUnit(1)),
    ],
)
AT_EDGE = {
    "stop": rk.Event("b", "r2", EDGE, kind="stop", id="x"),
    "delete": rk.Event("b", "r2", EDGE, kind="delete", id="x"),
    "update": rk.Event("b", "r2", EDGE, {"memory_mb": 512}, kind="update", id="x"),
    "closing": rk.Inventory(EDGE, [], id="x"),
    "listing": rk.Inventory(EDGE, [("b", "r2")], id="x"),
    "last_seen": rk.Inventory(EDGE, [], close="last_seen", id="x"),
    "counter": rk.Sample("b", "ip", "egress", EDGE, 15, kind="counter", id="x"),
    "gauge": rk.Sample("b", "app", "users", EDGE, 3, kind="gauge", id="x"),
}
READ = rk.Sample("b", "ip", "egress", "2026-03-04T20:00:00Z", 10, kind="counter", id="c0")


def _accounted(statements: list[rk.Statement], feeds: list[rk.Feed]) -> set[str]:
    """Every id a statement or a feed names: lines, invoices, anomalies, no_effect, ..."""
    ids: set[str] = set()
    for statement in statements:
        ids.update(i for line in statement.lines for i in line.record_ids)
        ids.update(i for _, some in _invoiced(statement) for i in some)
        ids.update(i for anomaly in statement.anomalies for i in anomaly.record_ids)
        ids.update(statement.no_effect)
    for feed in feeds:
        ids.update((*feed.duplicates, *feed.conflicting))
        ids.update(i for anomaly in feed.anomalies for i in anomaly.record_ids)
    return ids


@pytest.mark.parametrize("name", sorted(AT_EDGE))
@pytest.mark.parametrize("restore", [False, True], ids=["kept", "restored"])
def test_every_kind_of_record_at_the_watermark_of_a_cycles_end_is_accounted_for(
    name: str, restore: bool
) -> None:
    record = AT_EDGE[name]
    meters = [VM, EGRESS, USERS]
    rater = rk.Rater(WIDE, meters, start="2026-03-01T00:00:00Z")
    feeds = [rater.feed([GO, READ, record])]
    statements = [rater.statement(EDGE)]
    for as_of in ("2026-03-05T06:00:00Z", "2026-03-08T00:00:00Z"):
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), WIDE, meters)
        statements.append(rater.statement(as_of))
    assert {"go", "c0", "x"} <= _accounted(statements, feeds)
