"""Rows of a meter that run at once take an allowance together, as they use it.

An allowance is consumed in time order: two jobs that run at once use their minutes at
the same instants, so they take the free minutes together, each in proportion to what
it uses, as if every row were cut at every other row's bounds (and ever finer). How the
rows happen to be cut (an update no price reads) changes nothing. A row at an instant
takes at its instant what the rows running until then left. Every amount is worked by
hand; the law is checked against a brute oracle in ``fractions.Fraction``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from _build_minutes import LA, LINUX, MONTHLY, NOVEMBER, job
from ratekit._decimals import nearest
from ratekit._line_exact import line_exact

MONTHS = rk.cycles.monthly(tz="UTC")
WEEKS = rk.cycles.weekly(tz="UTC")  # from Monday midnight: 2 March 2026
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOUR_US = 3_600_000_000
NOON = rk.Span("2026-03-01T12:00:00Z", "2026-03-01T12:00:00Z").start_us  # a Sunday
MONDAY = 12  # hours after NOON: a week starts
PRICES = {"a": Decimal(1), "b": Decimal(3), "c": Decimal(7)}


def _row(resource: str, start: int, end: int, quantity: int, kind: str) -> rk.UsageRow:
    """``quantity`` GiB-hours over hours ``start`` to ``end`` after Sunday noon, at ``kind``.

    A slice of time (a GiB held over the hours): used evenly over its span.
    """
    span = rk.Span.from_us(NOON + start * HOUR_US, NOON + end * HOUR_US)
    ids = (f"{resource}-{start}",)
    description = {"p": kind}
    return rk.UsageRow("acme", "eg", resource, span, MARCH, quantity, "GiB*hour", description, ids)


def _plan(*allowances: rk.Allowance) -> rk.Plan:
    entries = [
        rk.PriceEntry(kind, "eg", rk.PerUnit(price), where={"p": kind})
        for kind, price in PRICES.items()
    ]
    return rk.Plan("p", "EUR", MONTHS, entries, allowances=allowances)


def _charges(rows: list[rk.UsageRow], plan: rk.Plan) -> list[tuple[str, Decimal, Decimal]]:
    rating = rk.rate(rows, plan, span=MARCH)
    return [(c.resource, c.free, c.amount) for c in rating.charges]


# -- examples -------------------------------------------------------------------------------


def test_the_pool_runs_dry_while_two_rows_run() -> None:
    # x: 20 GiB-h over 0h-20h (1 an hour) at 1; y: 10 GiB-h over 10h-15h (2 an hour) at 3; 14
    # free. By 10h x used 10 (4 left); then both use 3 an hour: dry at 10h + 4/3 h, x
    # took 4/3 more, y 8/3. x: free 10 + 4/3 = 34/3, billed 26/3 x 1; y: free 8/3, billed
    # 22/3 x 3 = 22. Taken whole at its start, x would take all 14 and y pay 30.
    rows = [_row("x", 0, 20, 20, "a"), _row("y", 10, 15, 10, "b")]
    rating = rk.rate(rows, _plan(_free(14)), span=MARCH)
    x, y = rating.charges
    # the shares stay exact: each charge shows its free part and amount at their 60th
    # digit (11.33...33, 8.66...67), as any free part prorated by time
    assert (x.free, x.amount) == (nearest(Fraction(34, 3)), nearest(Fraction(26, 3)))
    assert (y.free, y.amount) == (nearest(Fraction(8, 3)), Decimal(22))
    # the invoice rounds the exact figures: 26/3 = 8.67 and 22.00, 30.67 in all
    assert [_exact([c]) for c in rating.charges] == [Fraction(26, 3), Fraction(22)]
    (invoice,) = rk.bill(rating, by_resource=True)
    assert [line.amount for line in invoice.lines] == [Decimal("8.67"), Decimal("22.00")]


def test_rows_in_time_order_as_before_where_none_overlap() -> None:
    # x 0h-10h 10 GiB-h at 1, y 10h-15h 10 GiB-h at 3, 12 free: x takes 10, y 2 then pays 8 x 3.
    rows = [_row("y", 10, 15, 10, "b"), _row("x", 0, 10, 10, "a")]
    assert _charges(rows, _plan(_free(12))) == [
        ("x", Decimal(10), Decimal(0)),
        ("y", Decimal(2), Decimal(24)),
    ]


def test_rows_over_one_span_share_in_proportion() -> None:
    # x 30 GiB-h and y 10 GiB-h, both 0h-10h (3 and 1 an hour), 20 free: dry at 5h, x took 15,
    # y 5. x pays 15 x 1, y 5 x 3 = 15: 30. (Whole in the resources' order: x took 20,
    # y paid 30, 40 in all; renamed, y took 10 and x paid 20.)
    rows = [_row("x", 0, 10, 30, "a"), _row("y", 0, 10, 10, "b")]
    assert _charges(rows, _plan(_free(20))) == [
        ("x", Decimal(15), Decimal(15)),
        ("y", Decimal(5), Decimal(15)),
    ]


def test_an_instant_inside_a_running_row_takes_what_it_left() -> None:
    # x 10 GiB-h over 0h-10h at 1, a point of 6 GiB-h at 4h at 7, 8 free: by 4h x used 4 (4
    # left); the point takes 4 and pays 2 x 7 = 14; x's last 6 hours pay 6 x 1. x free 4.
    rows = [_row("x", 0, 10, 10, "a"), _row("q", 4, 4, 6, "c")]
    assert _charges(rows, _plan(_free(8))) == [
        ("q", Decimal(4), Decimal(14)),
        ("x", Decimal(4), Decimal(6)),
    ]


def test_a_weekly_pool_renews_while_rows_run() -> None:
    # Weekly 6 free from Monday 0h (12h after Sunday noon). x 24 GiB-h over 0h-24h (1 an
    # hour) at 1, y 12 GiB-h over 8h-20h (1 an hour) at 3. Sunday: x alone to 6h takes 6:
    # dry; Monday at 12h both use 2 an hour: 6 free to 15h, 3 each. x free 9, pays 15;
    # y free 3, pays 9 x 3 = 27.
    rows = [_row("x", 0, 24, 24, "a"), _row("y", 8, 20, 12, "b")]
    plan = _plan(rk.Allowance("eg", 6, cycle=WEEKS))
    assert sorted(_charges(rows, plan)) == [
        ("x", Decimal(3), Decimal(9)),  # Monday's part: 12 used, 3 free
        ("x", Decimal(6), Decimal(6)),  # Sunday's part: 12 used, 6 free
        ("y", Decimal(0), Decimal(12)),  # Sunday's part: 4 used, none free
        ("y", Decimal(3), Decimal(15)),  # Monday's part: 8 used, 3 free, 5 x 3
    ]


def test_an_update_cuts_nothing_that_is_billed() -> None:
    # The rows of the first example, x cut in two at 12h (as an update no price reads
    # cuts it): x's first piece 0h-12h takes 10 + 4/3 = 34/3 (dry at 34/3 h) and bills
    # 12 - 34/3 = 2/3, its second (12h-20h) takes nothing and bills 8: 26/3 in all, as
    # uncut; y 22. Exactly the same figures, to the last digit.
    whole = [_row("x", 0, 20, 20, "a"), _row("y", 10, 15, 10, "b")]
    cut = [_row("x", 0, 12, 12, "a"), _row("x", 12, 20, 8, "a"), _row("y", 10, 15, 10, "b")]
    plan = _plan(_free(14))
    assert _by_resource(cut, plan) == _by_resource(whole, plan)
    assert _by_resource(whole, plan) == {"x": Fraction(26, 3), "y": Fraction(22)}
    pieces = rk.rate(cut, plan, span=MARCH).charges
    assert [(c.resource, c.free) for c in pieces] == [
        ("x", nearest(Fraction(34, 3))),
        ("x", Decimal(0)),
        ("y", nearest(Fraction(8, 3))),
    ]


def test_the_rater_shares_the_free_minutes_as_batch_rating_does() -> None:
    # The build-minutes jobs of tests/test_buildminutes_newcomer_faults.py: a 2x job from
    # 00:00 to 02:00, an 8x one from 00:30 to 01:00, 100 free minutes: 50 x 0.008 = 0.40,
    # fed whole or with a statement between the jobs.
    plan = rk.Plan(
        "small",
        "USD",
        MONTHLY,
        [
            rk.PriceEntry("l2", "linux.minutes", rk.PerUnit("0.008"), where={"runner": "linux-2x"}),
            rk.PriceEntry("l8", "linux.minutes", rk.PerUnit("0.032"), where={"runner": "linux-8x"}),
        ],
        allowances=[rk.Allowance("linux.minutes", 100)],
        tz=LA,
    )
    x = job("a", "X", "2026-11-05T00:00:00Z", "2026-11-05T02:00:00Z", "linux-2x")
    y = job("a", "Y", "2026-11-05T00:30:00Z", "2026-11-05T01:00:00Z", "linux-8x")
    rater = rk.Rater(plan, [LINUX], start=NOVEMBER.start, tz=LA)
    rater.feed(x)
    first = rater.statement(NOVEMBER.end)
    assert sum(line.amount for line in first.lines) == Decimal("0.16")  # 20 x 0.008
    rater.feed(y)
    second = rater.statement(NOVEMBER.end)
    # X's charge is reversed and charged again at 0.40; Y's minutes are all free
    assert [(line.role, line.resource, line.amount) for line in second.lines] == [
        ("reversal", "X", Decimal("-0.16")),
        ("correction", "X", Decimal("0.40")),
        ("charge", "Y", Decimal(0)),
    ]
    lines = [*first.lines, *second.lines]
    assert sum(line.amount for line in lines) == Decimal("0.40")


def _free(quantity: int) -> rk.Allowance:
    return rk.Allowance("eg", quantity)


def _exact(charges: list[rk.Charge]) -> Fraction:
    """What an invoice line of ``charges`` rounds: their exact amount."""
    return Fraction(line_exact(charges))


def _by_resource(rows: list[rk.UsageRow], plan: rk.Plan) -> dict[str, Fraction]:
    """Per resource, the exact amount of its charges (as its invoice line rounds it)."""
    charges: dict[str, list[rk.Charge]] = {}
    for charge in rk.rate(rows, plan, span=MARCH).charges:
        charges.setdefault(charge.resource, []).append(charge)
    return {resource: _exact(mine) for resource, mine in charges.items()}


# -- the law --------------------------------------------------------------------------------


def _oracle(
    runs: list[tuple[str, int, int, int, str]],
    points: list[tuple[str, int, int, str]],
    monthly: int,
    weekly: int | None,
) -> dict[str, Fraction]:
    """Instant by instant over the union of the rows' bounds (and Monday 0h), in Fractions.

    The pools in the plan's order (the month's, then the week's, renewed at Monday 0h).
    At each bound: the points there in their resources' order, then over the interval
    to the next bound the running rows use rate x length each, the pools giving what
    they have, shared in proportion. Per resource, the exact amount it bills.
    """
    pools = [Fraction(monthly)] + ([Fraction(weekly)] if weekly is not None else [])
    bounds = sorted({t for _, s, e, _, _ in runs for t in (s, e)} | {t for _, t, _, _ in points})
    bounds = sorted({*bounds, MONDAY})
    total: dict[str, Fraction] = {}

    def bill(resource: str, billed: Fraction) -> None:
        total[resource] = total.get(resource, Fraction(0)) + billed

    def draw(wanted: Fraction) -> Fraction:
        got = Fraction(0)
        for i, left in enumerate(pools):
            take = min(left, wanted - got)
            pools[i] -= take
            got += take
        return got

    for t, nxt in zip(bounds, [*bounds[1:], None], strict=True):
        if t == MONDAY and weekly is not None:
            pools[1] = Fraction(weekly)
        for resource, _, quantity, kind in sorted(p for p in points if p[1] == t):
            free = draw(Fraction(quantity))
            bill(resource, (quantity - free) * Fraction(PRICES[kind]))
        if nxt is None:
            continue
        running = [(r, q, s, e, kind) for r, s, e, q, kind in runs if s <= t < e]
        used = [(r, Fraction(q * (nxt - t), e - s), kind) for r, q, s, e, kind in running]
        demand = sum((u for _, u, _ in used), Fraction(0))
        if not demand:
            continue
        share = draw(demand) / demand
        for resource, u, kind in used:
            bill(resource, u * (1 - share) * Fraction(PRICES[kind]))
    return total


_RUN = st.tuples(
    st.integers(0, 22), st.integers(1, 6), st.integers(1, 4), st.sampled_from(sorted(PRICES))
)  # start hour, hours, GB an hour, price


@settings(max_examples=LAWS)
@given(
    runs=st.lists(_RUN, min_size=1, max_size=5),
    points=st.lists(
        st.tuples(st.integers(0, 24), st.integers(1, 9), st.sampled_from(sorted(PRICES))),
        max_size=2,
    ),
    monthly=st.integers(0, 40),
    weekly=st.none() | st.integers(0, 20),
    cuts=st.lists(st.tuples(st.integers(0, 4), st.integers(1, 5)), max_size=3),
)
def test_overlapping_rows_take_an_allowance_as_they_use_it_however_cut(
    runs: list[tuple[int, int, int, str]],
    points: list[tuple[int, int, str]],
    monthly: int,
    weekly: int | None,
    cuts: list[tuple[int, int]],
) -> None:
    # Law: rows of one meter at three prices running at random hours over Sunday noon to
    # Monday noon (and points at instants), a month's allowance and maybe a weekly one
    # after it: each resource's exact amount (what its invoice line rounds) is the
    # oracle's, and cutting rows at random hours (as an update no price reads does)
    # changes nothing, to the last digit.
    whole = [(f"r{i}", s, s + h, h * rate, kind) for i, (s, h, rate, kind) in enumerate(runs)]
    instants = [(f"q{i}", t, q, kind) for i, (t, q, kind) in enumerate(points)]
    allowances = [rk.Allowance("eg", monthly)]
    if weekly is not None:
        allowances.append(rk.Allowance("eg", weekly, cycle=WEEKS))
    plan = _plan(*allowances)
    pieces = list(whole)
    for which, at in cuts:  # cut a row at an hour inside it, if it has one
        resource, s, e, q, kind = pieces[which % len(pieces)]
        if s < s + at < e:
            rate = q // (e - s)
            pieces.remove((resource, s, e, q, kind))
            pieces += [
                (resource, s, s + at, at * rate, kind),
                (resource, s + at, e, (e - s - at) * rate, kind),
            ]
    points_rows = [_row(r, t, t, q, kind) for r, t, q, kind in instants]
    plain = _by_resource([*(_row(*p) for p in whole), *points_rows], plan)
    cut = _by_resource([*(_row(*p) for p in pieces), *points_rows], plan)
    expected = _oracle(whole, instants, monthly, weekly)
    assert plain == expected
    assert cut == expected


_JOB = st.tuples(
    st.integers(0, 40), st.integers(1, 30), st.sampled_from(["linux-2x", "linux-8x"])
)  # start (minutes after midnight, in steps of 3), minutes (in steps of 3), runner


@settings(max_examples=max(LAWS // 2, 20))
@given(
    jobs=st.lists(_JOB, min_size=1, max_size=5),
    free=st.integers(0, 90),
    watermarks=st.lists(st.integers(1, 4), min_size=1, max_size=3),
)
def test_the_rater_takes_overlapping_jobs_as_batch_rating_does(
    jobs: list[tuple[int, int, str]], free: int, watermarks: list[int]
) -> None:
    # Law: build jobs that run at once, fed a few at a time with a statement after each
    # batch (the free minutes prorated to the watermark): every statement's lines add
    # up, per job and price, to batch rating of the records fed so far.
    plan = rk.Plan(
        "small",
        "USD",
        MONTHLY,
        [
            rk.PriceEntry("l2", "linux.minutes", rk.PerUnit("0.008"), where={"runner": "linux-2x"}),
            rk.PriceEntry("l8", "linux.minutes", rk.PerUnit("0.032"), where={"runner": "linux-8x"}),
        ],
        # prorated to the watermark: about a seventh of it on 5 November
        allowances=[rk.Allowance("linux.minutes", free * 7)],
        tz=LA,
    )
    day = NOVEMBER.start_us + 4 * 24 * HOUR_US
    at = rk.Span.from_us(day, day).start
    rater = rk.Rater(plan, [LINUX], start=NOVEMBER.start, tz=LA)
    fed: list[rk.Event] = []
    sums: dict[tuple[object, ...], Fraction] = {}
    batches = [jobs[i :: len(watermarks)] for i in range(len(watermarks))]
    for n, batch in enumerate(batches):
        events = [
            e
            for i, (start, minutes, runner) in enumerate(batch)
            for e in job(
                "a",
                f"j{n}-{i}",
                at + dt.timedelta(minutes=3 * start),
                at + dt.timedelta(minutes=3 * (start + minutes)),
                runner,
            )
        ]
        rater.feed(events)
        fed += events
        watermark = at + dt.timedelta(hours=3 + sum(watermarks[: n + 1]))
        for line in rater.statement(watermark).lines:
            key = (line.resource, line.entry)
            sums[key] = sums.get(key, Fraction(0)) + Fraction(line.amount)
        span = rk.Span(NOVEMBER.start, watermark)
        batch_sums: dict[tuple[object, ...], Fraction] = {}
        for c in rk.rate(fed, plan, span=span, meters=[LINUX]).charges:
            key = (c.resource, c.entry)
            batch_sums[key] = batch_sums.get(key, Fraction(0)) + Fraction(c.amount)
        assert {k: v for k, v in sums.items() if v} == {k: v for k, v in batch_sums.items() if v}
