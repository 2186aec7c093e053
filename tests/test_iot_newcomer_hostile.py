"""The IoT month under a hostile queue and a hostile caller: any order, any batches,
replays, a restart from JSON at any point, any watermarks; a caller's decimal context
set to 3 digits with every trap on; bad values at every door."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests.test_iot_newcomer_month import ASSIGNED, MARCH, METERS, RECORDS

import ratekit as rk

BATCH = {}
for _charge in rk.rate(RECORDS, ASSIGNED, span=MARCH, meters=METERS).charges:
    BATCH[_charge.account] = BATCH.get(_charge.account, Fraction(0)) + Fraction(_charge.amount)
HOURS = 33 * 24  # watermarks up to 3 April, where March closes (two days of horizon)


def _march_sums(rater: rk.Rater, statement: rk.Statement, sums: dict[str, Fraction]) -> None:
    for line in statement.lines:
        if line.cycle == MARCH:
            sums[line.account] = sums.get(line.account, Fraction(0)) + Fraction(line.amount)


@pytest.mark.property
@settings(
    max_examples=max(LAWS // 8, 1), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    order=st.permutations(range(len(RECORDS))),
    cuts=st.lists(st.integers(0, len(RECORDS)), max_size=4),
    replays=st.lists(st.integers(0, len(RECORDS) - 1), max_size=3),
    hours=st.lists(st.integers(1, HOURS - 1), min_size=1, max_size=4),
    restores=st.lists(st.booleans(), min_size=6, max_size=6),
)
@example(  # a statement just before 3 April, then the one that closes March
    order=list(range(len(RECORDS))), cuts=[1], replays=[], hours=[HOURS - 1], restores=[False] * 6
)
def test_any_queue_and_restarts_bill_the_batch_month(
    order: list[int], cuts: list[int], replays: list[int], hours: list[int], restores: list[bool]
) -> None:
    # Every record is fed before the month closes at 3 April (the statements between
    # batches come before it; one there would close March with the batches after it
    # left to corrections), so nothing is too late:
    # the statements' March lines add up to batch rate() to the last digit.
    bounds = sorted({0, len(RECORDS), *cuts})
    batches = [[RECORDS[i] for i in order[a:b]] for a, b in itertools.pairwise(bounds)]
    batches[-1] += [RECORDS[i] for i in replays]
    watermarks = sorted(set(hours))[: len(batches)]
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    rater = rk.Rater(ASSIGNED, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=2))
    sums: dict[str, Fraction] = {}
    invoices: list[rk.Invoice] = []  # March's, given once
    for index, batch in enumerate(batches):
        feed = rater.feed(batch)
        assert not feed.too_late
        assert not feed.conflicting
        if restores[index % len(restores)]:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), ASSIGNED, METERS)
        if index < len(watermarks):
            said = rater.statement(start + dt.timedelta(hours=watermarks[index]))
            _march_sums(rater, said, sums)
            invoices += said.invoices
    closing = rater.statement(start + dt.timedelta(hours=HOURS))
    _march_sums(rater, closing, sums)
    invoices += closing.invoices
    assert sums == BATCH
    # March's invoices, given once, by the statement that closed it
    assert [invoice.total for invoice in invoices] == [Decimal("14.38"), Decimal("34.88")]


def _lines(statement: rk.Statement) -> list[tuple[Any, ...]]:
    return [
        (line.role, line.account, line.entry, line.quantity, line.amount)
        for line in statement.lines
    ]


def test_the_callers_decimal_context_does_not_matter() -> None:
    def run() -> list[list[tuple[Any, ...]]]:
        rater = rk.Rater(
            ASSIGNED, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=2)
        )
        rater.feed(RECORDS[:5])
        first = rater.statement("2026-03-16T00:00:00Z")
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), ASSIGNED, METERS)
        rater.feed(RECORDS[5:])
        return [_lines(first), _lines(rater.statement("2026-04-03T00:00:00Z"))]

    plain = run()
    with decimal.localcontext() as hostile:
        hostile.prec = 3
        hostile.rounding = decimal.ROUND_FLOOR
        for trap in (decimal.Inexact, decimal.Rounded, decimal.FloatOperation):
            hostile.traps[trap] = True
        assert run() == plain


RATER = rk.Rater(ASSIGNED, METERS, start="2026-03-01T00:00:00Z")


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (
            lambda: rk.Sample(
                "a1", "s1", "data", "2026-03-02T00:00:00Z", -5, kind="counter", id="n1"
            ),
            rk.BadRecordError,
            "n1",
        ),
        (
            lambda: rk.Sample(
                "a1", "s1", "data", "2026-03-02T00:00:00Z", float("inf"), kind="counter", id="n2"
            ),
            rk.BadQuantityError,
            "n2",
        ),
        (
            lambda: rk.Sample(
                "a1", "s1", "data", "2026-03-02T00:00:00Z", "1e30", kind="counter", id="n3"
            ),
            rk.BadQuantityError,
            "n3",
        ),
        (
            lambda: rk.Sample(
                "a1", "s1", "data", "2026-03-02T00:00:00", 5, kind="counter", id="n4"
            ),
            rk.BadTimeError,
            "n4",
        ),
        (
            lambda: rk.Sample(
                "a1", "s1", "data", "2026-03-02T00:00:00Z", True, kind="counter", id="n5"
            ),
            rk.RatekitTypeError,
            "n5",
        ),
        (
            lambda: RATER.feed([rk.Sample("zz", "s9", "fix", "2026-03-02T00:00:00Z", 5, id="n6")]),
            rk.UnpricedUsageError,
            "zz",
        ),
        (
            lambda: RATER.feed(
                [rk.Sample("a1", "s1", "volts", "2026-03-02T00:00:00Z", 5, id="n7")]
            ),
            rk.RatekitError,
            "volts",
        ),
        (lambda: RATER.statement("2026-02-28T00:00:00Z"), rk.BadTimeError, "as_of"),
        (
            lambda: rk.Rater(
                ASSIGNED, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=-1)
            ),
            rk.BadTimeError,
            "horizon",
        ),
        (
            lambda: rk.Rater(ASSIGNED, METERS, start="2026-03-01T00:00:00Z", late="drop"),
            rk.RatekitTypeError,
            "late",
        ),
        (
            lambda: rk.Rater.restore({"format": "ratekit.Rater"}, ASSIGNED, METERS),
            rk.BadSnapshotError,
            "snapshot",
        ),
    ],
)
def test_every_refusal_is_a_ratekit_error_naming_what_was_wrong(
    call: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        call()
