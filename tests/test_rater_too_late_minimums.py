"""A part said too late under a minimum: the top-up of its cycle takes it in, or part of it.

A ``"too_late"`` anomaly names a quantity that batch ``rate()`` charges in a compacted
cycle and the stream does not. Under a linear price, batch's usage lines there are the
stream's plus that quantity times its price. A fee does not depend on usage. A minimum
does: batch tops the cycle up to the commitment from all the lines the minimum counts,
the named part among them. So, per account and compacted cycle, with ``C`` the
commitment, ``S`` what the stream charged there of the lines the minimum counts and
``N`` the money of the parts named there, batch charges ``max(C, S + N)`` where the
stream charged ``max(C, S)``: the part moves the cycle's total only by what it takes
above the commitment. An account whose first record came too late (its dues named by the
feed: `tests/test_rater_too_late_dues.py`) has ``S = 0`` and owes the fees there too.
Worked by hand in the comments: daily cycles, a fee of 5 and a minimum of 20 a day, 1
EUR a call.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
API = rk.Meter("api", "call", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [rk.PriceEntry("api", "api", rk.PerUnit(1))],
    fees=[rk.Fee("base", 5)],
    minimums=[rk.Minimum(20)],
)
START = "2026-03-01T00:00:00Z"


def _calls(at: str, value: int, record_id: str, account: str = "acme") -> rk.Sample:
    return rk.Sample(account, "x", "api", at, value, id=record_id)


def test_a_minimum_takes_in_a_part_said_too_late_up_to_its_commitment() -> None:
    early = [_calls("2026-03-01T10:00:00Z", 3, "a1"), _calls("2026-03-02T10:00:00Z", 30, "a2")]
    rater = rk.Rater(PLAN, [API], start=START)
    rater.feed(early)
    charged = rater.statement("2026-03-04T00:00:00Z")  # 1 and 2 March compacted, 3 kept
    # 1 March: fee 5 + 3 calls + top-up 17 = 25; 2 March: 5 + 30 = 35; 3 March: 5 + 20.
    assert charged.total() == Decimal(85)
    late = [
        _calls("2026-03-01T12:00:00Z", 4, "b1"),  # within 1 March's top-up of 17
        _calls("2026-03-01T13:00:00Z", 16, "b2"),  # 4 + 16 = 20: past it by 3
        _calls("2026-03-02T11:00:00Z", 2, "b3"),  # 2 March's 30 already past the 20
    ]
    feeds = [rater.feed([sample]) for sample in late]
    assert [feed.too_late for feed in feeds] == [("b1",), ("b2",), ("b3",)]
    named = [(a.meter, a.quantity, f"{a.at:%d %H}") for f in feeds for a in f.anomalies]
    assert named == [("api", 4, "01 12"), ("api", 16, "01 13"), ("api", 2, "02 11")]
    assert feeds[0].anomalies[0].message == (
        "sample 'b1' stamped 2026-03-01T12:00:00Z is older than every cycle the rater keeps "
        "(from 2026-03-03T00:00:00Z; its cycle was closed and compacted, or comes before the "
        "rater's start): its quantity 4 call (api) is not applied. It may be a replay of a record "
        "applied before and forgotten with its compacted cycle (then it was charged then, and "
        "nothing is lost): the rater cannot tell the two apart."
    )
    assert rater.statement("2026-03-05T00:00:00Z").total() == Decimal(25)  # 4 March: 5 + 20
    span = rk.Span(START, "2026-03-05T00:00:00Z")
    batch = rk.rate([*early, *late], PLAN, span=span, meters=[API])
    # The named money added one for one would make 1 March 25 + 4 + 16 = 45: batch charges
    # 5 + max(20, 3 + 4 + 16) = 28, the stream's 25 and the 3 above the commitment. 2
    # March: 5 + max(20, 30 + 2) = 37, the stream's 35 and all of the 2.
    assert batch.total("acme", "2026-03-01T00:00:00Z") == Decimal(28)
    assert batch.total("acme", "2026-03-02T00:00:00Z") == Decimal(37)
    assert batch.total("acme") == Decimal(85 + 25 + 3 + 2)
    # b1 alone moves nothing: 5 + max(20, 3 + 4) = 25, its 4 in place of 4 of the top-up.
    alone = rk.rate([*early, late[0]], PLAN, span=span, meters=[API])
    assert alone.total("acme", "2026-03-01T00:00:00Z") == Decimal(25)
    # Its top-ups: 20 - (3 + 4) = 13 on 1 March (the stream's was 17), none on 2 March
    # (30 calls), 20 on 3 and 4 March.
    minimums = [(f"{c.cycle.start:%d}", c.amount) for c in alone.charges if c.kind == "minimum"]
    assert minimums == [("01", 13), ("03", 20), ("04", 20)]


_DUES = re.compile(
    r"makes account '(?P<account>[^']*)' .* has due for it from (?P<lo>\S+) to (?P<hi>\S+) "
)
_RECORD = st.tuples(
    st.sampled_from(["acme", "beta"]),
    st.integers(0, 95),  # its instant, in hours from 1 March 00:00Z (four daily cycles)
    st.integers(0, 60),  # its delay, in hours
    st.integers(1, 30),  # its calls
)


def _at(hours: int) -> str:
    moment = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@settings(max_examples=max(LAWS // 10, FLOOR), deadline=None)
@given(
    records=st.lists(_RECORD, min_size=1, max_size=8),
    marks=st.lists(st.integers(1, 130), min_size=1, max_size=6),
)
def test_batch_is_the_stream_with_each_cycle_topped_up_anew_with_the_parts_named(
    records: list[tuple[str, int, int, int]], marks: list[int]
) -> None:
    samples = [
        (hours + delay, _calls(_at(hours), value, f"r{index}", account))
        for index, (account, hours, delay, value) in enumerate(records)
    ]
    rater = rk.Rater(PLAN, [API], start=START)
    lines: list[rk.StatementLine] = []
    feeds: list[rk.Feed] = []
    previous = -1
    for mark in [*sorted(set(marks)), 24 * 7]:  # the last: every record fed, every cycle closed
        feeds.append(rater.feed([s for arrival, s in samples if previous < arrival <= mark]))
        previous = mark
        lines += rater.statement(_at(mark)).lines
    # Per account and cycle (its start): the stream's money by kind, the named parts' money.
    stream: dict[tuple[str, dt.datetime], dict[str, Decimal]] = {}
    for line in lines:
        kinds = stream.setdefault((line.account, line.cycle.start), {})
        kinds[line.kind] = kinds.get(line.kind, Decimal(0)) + line.amount
    named: dict[tuple[str, dt.datetime], Decimal] = {}
    owed: set[tuple[str, dt.datetime]] = set()  # cycles whose dues the feed named
    for anomaly in (a for feed in feeds for a in feed.anomalies):
        assert anomaly.kind == "too_late"
        dues = _DUES.search(anomaly.message)
        if dues is not None:
            span = rk.Span(dues["lo"], dues["hi"])
            day = span.start
            while day < span.end:
                owed.add((dues["account"], day))
                day += dt.timedelta(days=1)
            continue
        assert anomaly.at is not None
        assert anomaly.quantity is not None
        cycle = anomaly.at.replace(hour=0, minute=0, second=0)
        key = (anomaly.account or "", cycle)
        named[key] = named.get(key, Decimal(0)) + anomaly.quantity * 1  # 1 EUR a call
    batch = rk.rate([s for _, s in samples], PLAN, span=rk.Span(START, _at(24 * 7)), meters=[API])
    for account in ("acme", "beta"):
        for day in range(7):
            cycle = dt.datetime(2026, 3, 1 + day, tzinfo=dt.UTC)
            kinds = stream.get((account, cycle), {})
            covered = bool(kinds) or (account, cycle) in owed
            fees = kinds.get("fee", Decimal(5) if (account, cycle) in owed else Decimal(0))
            usage = kinds.get("usage", Decimal(0)) + named.get((account, cycle), Decimal(0))
            # batch: the fees, and the commitment or the usage with the parts, the greater
            expected = fees + max(Decimal(20), usage) if covered else Decimal(0)
            assert batch.total(account, cycle) == expected, (account, cycle, kinds)
