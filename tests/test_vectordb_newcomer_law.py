"""The vector database's laws, drawn with ``ratekit.strategies``.

A stream of pods and query deltas (``rks.records``: replays, any order) over the DST
Sunday and the Monday after, under a night price in Berlin and free units a week across
daily cycles, with a plan switch at Monday's midnight: fed in random batches, stated at
random hours, saved as JSON and restored at random, each closing invoice is batch
``rate()``'s of the records fed so far, to the last digit. And a pricing rule: ``pro``
never costs more than ``std``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._vectordb_pods import DAYS, NIGHTS, SWITCH, TZ, WEEKS

import ratekit as rk
from ratekit import strategies as rks

START = dt.datetime.fromisoformat("2026-03-29T00:00:00+01:00")
END = dt.datetime.fromisoformat("2026-03-31T00:00:00+02:00")
HOUR = dt.timedelta(hours=1)
METERS = [rk.Meter("vm.hours", "hour", rk.OnOff()), rk.Meter("egress", "GB", rk.Discrete())]


def _plan(name: str, day: str, night: str, gb: str) -> rk.Plan:
    return rk.Plan(
        name,
        "EUR",
        DAYS,
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit(day)),
            rk.PriceEntry("vm-night", "vm.hours", rk.PerUnit(night), window=NIGHTS, priority=1),
            rk.PriceEntry("egress", "egress", rk.PerUnit(gb)),
        ],
        allowances=[rk.Allowance("egress", 50, cycle=WEEKS)],
        unpriced="anomaly",
    )


STD = _plan("std", "0.10", "0.05", "0.09")
PRO = _plan("pro", "0.08", "0.04", "0.07")
ASSIGNED = [rk.Assignment("acme", STD, end=SWITCH), rk.Assignment("acme", PRO, start=SWITCH)]
ASSIGNED += [rk.Assignment("globex", STD)]
RECORDS = rks.records(min_start="2026-03-28T23:00:00Z", max_end="2026-03-30T22:00:00Z", max_size=10)


@pytest.mark.property
@settings(
    max_examples=max(LAWS // 4, 10), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    records=RECORDS,
    cuts=st.lists(st.integers(0, 10), min_size=1, max_size=4),
    hours=st.lists(st.integers(1, 49), min_size=1, max_size=4),
    restores=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_each_closing_invoice_is_batch_of_what_was_fed(
    records: list[rk.Event | rk.Sample],
    cuts: list[int],
    hours: list[int],
    restores: list[bool],
) -> None:
    rater = rk.Rater(ASSIGNED, METERS, start=START, horizon=HOUR, tz=TZ)
    marks = [START + hour * HOUR for hour in sorted(set(hours))] + [END + 2 * HOUR]
    bounds = [*sorted(cuts)[: len(marks) - 1], len(records)]
    bounds += [len(records)] * (len(marks) - len(bounds))
    fed: list[rk.Event | rk.Sample] = []
    done = 0
    for mark, bound, restore in zip(marks, bounds, [*restores, False, False], strict=False):
        batch = records[done:bound]
        done = max(done, bound)
        feed = rater.feed(batch)
        taken = {*feed.accepted, *feed.late}
        fed += [r for r in batch if r.id in taken and r not in fed]
        if feed.too_late:  # the exception to the law (streaming.md): stop comparing
            return
        if restore:
            saved = json.loads(json.dumps(rater.snapshot()))
            rater = rk.Rater.restore(saved, ASSIGNED, METERS)
        statement = rater.statement(mark)
        if statement.invoices:
            rating = rk.rate(fed, ASSIGNED, span=rk.Span(START, END), meters=METERS, as_of=mark)
            batch_invoices = {(i.account, i.cycle): i for i in rk.bill(rating, tz=TZ)}
            for mine in statement.invoices:
                theirs = batch_invoices[mine.account, mine.cycle]
                assert mine.precise_total == theirs.precise_total
                assert [(line.entry, line.amount) for line in mine.lines] == [
                    (line.entry, line.amount) for line in theirs.lines
                ]


WEEK = rk.Span(
    "2026-03-30T00:00:00+02:00", "2026-03-31T00:00:00+02:00"
)  # a day: rows within one cycle


@pytest.mark.property
@settings(max_examples=LAWS // 4, deadline=None)
@given(rks.usage_rows(within=WEEK, meters={"vm.hours": "hour", "egress": "GB"}, max_size=8))
def test_nobody_pays_more_on_pro(rows: list[rk.UsageRow]) -> None:
    comparison = rk.compare_plans(rows, {"std": STD, "pro": PRO}, span=WEEK, meters=METERS)
    assert comparison.accounts("pro", "pays more") == ()
