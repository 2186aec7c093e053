"""The rater's doors that read its assignments.

- An account whose plans bill two currencies within one billing cycle is refused when
  the rater is built (the invoice closing that cycle would mix them: `bill()` refuses it,
  and every statement closing the cycle would fail). A currency changes at a cycle
  boundary.
- A record that makes usage where its account has no plan (a gap between two
  assignments) is refused at the feed, with its batch (batch `rate()` reports such usage
  as `unpriced`, not charged); a stop, a delete or an inventory is taken anywhere, and the time a
  resource runs into the gap is not charged, named by an `unpriced` anomaly.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
DAILY = rk.cycles.daily(tz="UTC")
VM = rk.Meter("vm", "hour", rk.OnOff())
EGRESS = rk.Meter("eg", "GB", rk.Discrete())
METERS = [VM, EGRESS]


def _plan(name: str, currency: str, cycle: rk.cycles.Cycle = MONTHLY, price: str = "1") -> rk.Plan:
    return rk.Plan(
        name,
        currency,
        cycle,
        [
            rk.PriceEntry("vm", "vm", rk.PerUnit(price)),
            rk.PriceEntry("eg", "eg", rk.PerUnit(price)),
        ],
    )


EUR = _plan("e", "EUR")
CHF = _plan("c", "CHF", price="2")


# -- 1. a currency changes at a cycle boundary ---------------------------------------------


def test_a_currency_change_mid_cycle_is_refused_when_the_rater_is_built() -> None:
    plans = [
        rk.Assignment("c", EUR, end="2026-03-10T00:00:00Z"),
        rk.Assignment("c", CHF, start="2026-03-10T00:00:00Z"),
        rk.Assignment("other", EUR),
    ]
    with pytest.raises(rk.CurrencyMismatchError) as caught:
        rk.Rater(plans, METERS, start="2026-03-01T00:00:00Z")
    assert str(caught.value) == (
        "Rater plans: account 'c' is assigned plan 'e' (EUR) until 2026-03-10T00:00:00Z and "
        "plan 'c' (CHF) from 2026-03-10T00:00:00Z, both within the cycle "
        "2026-03-01T00:00:00Z..2026-04-01T00:00:00Z: its invoice for that cycle would mix EUR "
        "and CHF, so every statement closing the cycle would fail. Change an account's "
        "currency at a cycle boundary (here 2026-03-01T00:00:00Z or 2026-04-01T00:00:00Z), or "
        "give its plans one currency."
    )
    # Batch billing refuses the same cycle's invoice, with the same word.
    rating = rk.rate(
        [rk.Event("c", "v", "2026-03-02T00:00:00Z", kind="start", id="e1")],
        plans,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        meters=METERS,
    )
    with pytest.raises(rk.CurrencyMismatchError) as billed:
        rk.bill(rating)
    assert str(billed.value) == (
        "invoice of account 'c' for 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z mixes EUR "
        "(plan 'e', entry 'vm') and CHF (plan 'c', entry 'vm'); give the account's plans one "
        "currency, or bill each currency separately."
    )


def test_a_currency_change_across_a_gap_within_one_cycle_is_refused() -> None:
    plans = [
        rk.Assignment("c", EUR, start="2026-01-01T00:00:00Z", end="2026-03-10T00:00:00Z"),
        rk.Assignment("c", CHF, start="2026-03-15T00:00:00Z", end="2026-06-01T00:00:00Z"),
    ]
    with pytest.raises(rk.CurrencyMismatchError) as caught:
        rk.Rater(plans, METERS, start="2026-03-01T00:00:00Z")
    assert str(caught.value) == (
        "Rater plans: account 'c' is assigned plan 'e' (EUR) from 2026-01-01T00:00:00Z until "
        "2026-03-10T00:00:00Z and plan 'c' (CHF) from 2026-03-15T00:00:00Z until "
        "2026-06-01T00:00:00Z, both within the cycle 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z: "
        "its invoice for that cycle would mix EUR and CHF, so every statement closing the "
        "cycle would fail. Change an account's currency at a cycle boundary (here "
        "2026-03-01T00:00:00Z or 2026-04-01T00:00:00Z), or give its plans one currency."
    )


def test_a_currency_change_at_a_cycle_boundary_is_taken_and_closes_each_cycle() -> None:
    plans = [
        rk.Assignment("c", EUR, end="2026-04-01T00:00:00Z"),
        rk.Assignment("c", CHF, start="2026-04-01T00:00:00Z"),
    ]
    rater = rk.Rater(plans, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("c", "v", "2026-03-31T00:00:00Z", kind="start", id="e1")])
    statement = rater.statement("2026-05-01T00:00:00Z")
    # March: 24 h x 1 EUR; April: 720 h x 2 CHF = 1440 CHF.
    assert [(i.currency, i.total) for i in statement.invoices] == [
        ("EUR", Decimal(24)),
        ("CHF", Decimal(1440)),
    ]


def test_a_plan_change_mid_cycle_in_one_currency_is_taken() -> None:
    other = _plan("e2", "EUR", price="3")
    plans = [
        rk.Assignment("c", EUR, end="2026-03-10T00:00:00Z"),
        rk.Assignment("c", other, start="2026-03-10T00:00:00Z"),
    ]
    rater = rk.Rater(plans, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("c", "v", "2026-03-09T00:00:00Z", kind="start", id="e1")])
    (invoice,) = rater.statement("2026-04-01T00:00:00Z").invoices
    # 24 h x 1 + 22 days x 24 h x 3 = 24 + 1584.
    assert invoice.total == Decimal(1608)


_DAYS = st.lists(st.integers(0, 8), min_size=1, max_size=4, unique=True)


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    cuts=st.lists(st.integers(1, 24 * 6 - 1), min_size=1, max_size=4, unique=True),
    currencies=st.lists(st.sampled_from(["EUR", "CHF"]), min_size=5, max_size=5),
)
def test_a_rater_is_built_exactly_when_no_cycle_holds_two_currencies(
    cuts: list[int], currencies: list[str]
) -> None:
    """Oracle: the set of currencies billed at each hour tick, per daily cycle."""
    origin = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    hours = sorted(cuts)
    bounds = [None, *hours, None]
    plans = {c: _plan(c.lower(), c, DAILY) for c in ("EUR", "CHF")}
    assignments = [
        rk.Assignment(
            "a",
            plans[currencies[i]],
            start=None if lo is None else origin + dt.timedelta(hours=lo),
            end=None if hi is None else origin + dt.timedelta(hours=hi),
        )
        for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
    ]
    per_day: dict[int, set[str]] = {}
    for tick in range(-24, 24 * 7):
        index = sum(1 for h in hours if h <= tick)
        per_day.setdefault(tick // 24, set()).add(currencies[index])
    mixed = any(len(seen) > 1 for seen in per_day.values())
    try:
        rater = rk.Rater(assignments, METERS, start="2026-03-01T00:00:00Z")
    except rk.CurrencyMismatchError:
        assert mixed
        return
    assert not mixed
    rater.feed([rk.Event("a", "v", "2026-03-01T00:00:00Z", kind="start", id="e1")])
    statement = rater.statement("2026-03-08T00:00:00Z")
    assert len(statement.invoices) == 7


# -- 2. usage only where the account has a plan ---------------------------------------------

GAP = [
    rk.Assignment("a", EUR, end="2026-03-10T00:00:00Z"),
    rk.Assignment("a", EUR, start="2026-03-15T00:00:00Z"),
    rk.Assignment("o", EUR),
]
GAP_TEXT = (
    "(its assignments: 'e' until 2026-03-10T00:00:00Z, 'e' from 2026-03-15T00:00:00Z), so "
    "the rater could never charge it; the batch is refused whole. Feed usage only "
    "where its account has a plan (a stop or a delete is taken anywhere), or assign it one "
    "first with Rater.assign()."
)


def _gap_rater() -> rk.Rater:
    return rk.Rater(GAP, METERS, start="2026-03-01T00:00:00Z")


@pytest.mark.parametrize(
    ("record", "head"),
    [
        (
            rk.Event("a", "v", "2026-03-12T00:00:00Z", kind="start", id="e1"),
            (
                "event 'e1' stamped 2026-03-12T00:00:00Z makes usage of account 'a' at "
                "2026-03-12T00:00:00Z"
            ),
        ),
        (
            rk.Event("a", "v", "2026-03-10T00:00:00Z", {"x": 1}, kind="update"),
            "event stamped 2026-03-10T00:00:00Z makes usage of account 'a' at 2026-03-10T00:00:00Z",
        ),
        (
            rk.Sample("a", "ip", "eg", "2026-03-14T23:59:59Z", 2, id="s1"),
            (
                "sample 's1' stamped 2026-03-14T23:59:59Z makes usage of account 'a' at "
                "2026-03-14T23:59:59Z"
            ),
        ),
        (
            # A delta over a span reaching back into the gap, stamped after it.
            rk.Sample(
                "a", "ip", "eg", "2026-03-16T00:00:00Z", 2, since="2026-03-14T00:00:00Z", id="s2"
            ),
            (
                "sample 's2' stamped 2026-03-16T00:00:00Z makes usage of account 'a' at "
                "2026-03-14T00:00:00Z"
            ),
        ),
        (
            # ... or over the whole gap.
            rk.Sample(
                "a", "ip", "eg", "2026-03-16T00:00:00Z", 2, since="2026-03-09T00:00:00Z", id="s3"
            ),
            (
                "sample 's3' stamped 2026-03-16T00:00:00Z makes usage of account 'a' at "
                "2026-03-10T00:00:00Z"
            ),
        ),
    ],
)
def test_usage_in_a_gap_between_assignments_is_refused_with_its_batch(
    record: rk.Event | rk.Sample | rk.Inventory, head: str
) -> None:
    rater = _gap_rater()
    fine = rk.Event("o", "w", "2026-03-02T00:00:00Z", kind="start", id="ok")
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed([fine, record])
    assert str(caught.value) == (
        f"Rater.feed: records[1]: {head}, where the account has no plan assigned {GAP_TEXT}"
    )
    # The batch is refused whole, and the rater goes on: 'o' runs from 2 March, 'ok' is new.
    assert rater.feed([fine]).accepted == ("ok",)
    assert rater.statement("2026-03-20T00:00:00Z").lines[0].amount == Decimal(18 * 24)


@pytest.mark.parametrize(
    "listed",
    [
        [("o", "w"), ("a", "v")],  # confirms v, running into the gap
        [("o", "w"), ("a", "v"), ("a", "u")],  # and opens u there
        [("o", "w")],  # closes v there (it lists every resource of both accounts)
    ],
)
def test_an_inventory_in_a_gap_is_taken_and_its_usage_there_is_unpriced_as_in_batch(
    listed: list[tuple[str, str]],
) -> None:
    # A reconciler lists every resource of the platform, whatever account is in a gap:
    # refusing the listing would refuse its whole batch. 'a' has no plan from 10 to 15
    # March; v started on 5 March. Batch charges v 5 days before the gap (5 x 24 = 120 h
    # at 1) and, if the listing leaves it running, 5 days after (20 March: 120 h more);
    # u, opened on 11 March, 5 days after the gap (120 h); o's w from 11 March, 9 days
    # (216 h). The time in the gap is "unpriced", not charged, in both.
    start = rk.Event("a", "v", "2026-03-05T00:00:00Z", kind="start", id="e1")
    listing = rk.Inventory("2026-03-11T00:00:00Z", listed, id="i1", accounts=["a", "o"])
    rater = _gap_rater()
    assert rater.feed([start, listing]).accepted == ("e1", "i1")
    statements = [rater.statement(w) for w in ("2026-03-12T00:00:00Z", "2026-03-20T00:00:00Z")]
    stream: dict[tuple[str, str], Decimal] = {}
    for line in (line for statement in statements for line in statement.lines):
        key = (line.account, line.resource)
        stream[key] = stream.get(key, Decimal(0)) + line.amount
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z")
    batch = rk.rate([start, listing], GAP, span=span, meters=METERS)
    charged: dict[tuple[str, str], Decimal] = {}
    for charge in batch.charges:
        key = (charge.account, charge.resource)
        charged[key] = charged.get(key, Decimal(0)) + charge.amount
    expected = {("a", "v"): Decimal(240 if ("a", "v") in listed else 120), ("o", "w"): 216}
    if ("a", "u") in listed:
        expected["a", "u"] = Decimal(120)
    assert {key: amount for key, amount in stream.items() if amount} == expected
    assert {key: amount for key, amount in charged.items() if amount} == expected
    said = {(a.kind, a.resource) for statement in statements for a in statement.anomalies}
    assert said == {(a.kind, a.resource) for a in batch.anomalies}
    assert ("unpriced", "v") in said


@pytest.mark.parametrize(
    "record",
    [
        rk.Event("a", "v", "2026-03-12T00:00:00Z", kind="stop"),
        rk.Event("a", "v", "2026-03-12T00:00:00Z", kind="delete"),
        rk.Event("a", "v", "2026-03-15T00:00:00Z", kind="start"),
        rk.Sample("a", "ip", "eg", "2026-03-09T23:59:59Z", 2),
        # A delta over a span that ends where the gap begins (the span is [since, at)).
        rk.Sample("a", "ip", "eg", "2026-03-10T00:00:00Z", 2, since="2026-03-09T00:00:00Z"),
        rk.Inventory("2026-03-11T00:00:00Z", [("o", "w")], accounts=["a", "o"]),
    ],
)
def test_usage_where_the_account_has_a_plan_is_taken_as_batch_rate_takes_it(
    record: rk.Event | rk.Sample | rk.Inventory,
) -> None:
    rater = _gap_rater()
    rater.feed([record])
    span = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    batch = rk.rate([record], GAP, span=span, meters=METERS)
    closed = rater.statement("2026-04-01T00:00:00Z")
    assert sum(i.total for i in closed.invoices) == batch.total()


def test_a_stop_in_the_gap_is_taken_and_the_time_before_the_gap_is_charged() -> None:
    rater = _gap_rater()
    rater.feed([rk.Event("a", "v", "2026-03-09T00:00:00Z", kind="start", id="e1")])
    assert rater.statement("2026-03-10T00:00:00Z").lines[0].amount == Decimal(24)
    # Running into the gap: the gap's time has no plan, is not charged and is named.
    into = rater.statement("2026-03-12T00:00:00Z")
    assert into.lines == ()
    (anomaly,) = into.anomalies
    assert (anomaly.kind, anomaly.record_ids, anomaly.account, anomaly.resource) == (
        "unpriced",
        ("e1",),
        "a",
        "v",
    )
    assert str(anomaly) == (
        "usage of meter 'vm' by account 'a' (resource 'v', 48 hour) over "
        "2026-03-10T00:00:00Z..2026-03-12T00:00:00Z has no plan: the account has no plan "
        "assigned there (its assignments: 'e' until 2026-03-10T00:00:00Z, 'e' from "
        "2026-03-15T00:00:00Z): not charged."
    )
    # A stop stamped in the gap is taken; the day before the gap stays charged.
    fed = rater.feed([rk.Event("a", "v", "2026-03-11T00:00:00Z", kind="stop", id="e2")])
    assert fed.accepted == ("e2",)
    assert rater.statement("2026-03-20T00:00:00Z").lines == ()
    (invoice,) = rater.statement("2026-04-01T00:00:00Z").invoices
    assert invoice.total == Decimal(24)  # 9 March, 24 h x 1 EUR; 10 March in the gap
    # Batch rate() of the same records agrees, and names the gap's day (24 hours).
    batch = rk.rate(
        [
            rk.Event("a", "v", "2026-03-09T00:00:00Z", kind="start", id="e1"),
            rk.Event("a", "v", "2026-03-11T00:00:00Z", kind="stop", id="e2"),
        ],
        GAP,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        meters=METERS,
    )
    assert batch.total() == Decimal(24)
    (named,) = batch.anomalies
    assert named.record_ids == ("e1", "e2")
    assert "(resource 'v', 24 hour) over 2026-03-10T00:00:00Z..2026-03-11T00:00:00Z" in str(named)


def test_a_resource_running_through_the_gap_is_charged_on_both_sides() -> None:
    rater = _gap_rater()
    rater.feed([rk.Event("a", "v", "2026-03-02T00:00:00Z", kind="start", id="e1")])
    # 2..10 March: 8 days = 192 h; 15 March..1 April: 17 days = 408 h; 192 + 408 = 600.
    (invoice,) = [i for i in rater.statement("2026-04-01T00:00:00Z").invoices if i.account == "a"]
    assert invoice.total == Decimal(600)


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    at=st.integers(0, 20),
    span=st.none() | st.integers(0, 20),
    gap=st.tuples(st.integers(1, 19), st.integers(1, 5)),
)
def test_a_sample_is_refused_at_the_feed_exactly_when_batch_rate_leaves_it_unpriced(
    at: int, span: int | None, gap: tuple[int, int]
) -> None:
    """Oracle: batch rate() of the same sample; and the set of hour ticks it covers."""
    origin = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)
    lo, hi = gap[0], gap[0] + gap[1]
    daily = _plan("d", "EUR", DAILY)
    plans = [
        rk.Assignment("a", daily, end=origin + lo * hour),
        rk.Assignment("a", daily, start=origin + hi * hour),
    ]
    since = None if span is None else origin + max(0, at - span) * hour
    sample = rk.Sample("a", "ip", "eg", origin + at * hour, 1, since=since, id="s")
    first = at if since is None or span == 0 else at - (span or 0)
    ticks = {at} if first == at else set(range(max(0, first), at))
    unpriced = bool(ticks & set(range(lo, hi)))
    window = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    batch = rk.rate([sample], plans, span=window, meters=METERS)
    kinds = [anomaly.kind for anomaly in batch.anomalies]
    # The sample's quantity 1 lies wholly in the gap, or wholly outside it, or split.
    assert ("unpriced" in kinds) == unpriced
    # Its hour ticks: [since, at), or the instant at alone when since is at or absent.
    first_tick = at if since is None else max(0, at - (span or 0))
    held = {at} if first_tick == at else set(range(first_tick, at))
    inside = len(held & set(range(lo, hi)))
    total = Fraction(batch.total())
    if inside in (0, len(held)):
        assert total == (1 if inside == 0 else 0)
    else:  # shared in proportion to time, to 24 places (the split's quantum)
        assert abs(total - Fraction(len(held) - inside, len(held))) <= Fraction(1, 10**24)
    rater = rk.Rater(plans, METERS, start="2026-03-01T00:00:00Z")
    try:
        rater.feed([sample])
    except rk.UnpricedUsageError:
        assert unpriced
    else:
        assert not unpriced
        (invoice,) = rater.statement("2026-03-02T00:00:00Z").invoices
        assert invoice.total == Decimal(1)


def test_feed_under_assignments_refuses_what_is_not_a_record() -> None:
    # Under assignments the feed asks whether each record lies where its account has a
    # plan; what is not a record at all is refused first, by its type and place in the
    # batch, as under one plan (it was an AttributeError: no attribute 'resources').
    rater = rk.Rater(
        [rk.Assignment("acme", _plan("p", "EUR"))], METERS, start="2026-03-01T00:00:00Z"
    )
    event = rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="on")
    for batch, shown in (
        ([{"account": "acme"}], "dict: {'account': 'acme'} (records[0]"),
        ([event, None], "NoneType: None (records[1]"),
        ([event, 5], "int: 5 (records[1]"),
    ):
        with pytest.raises(rk.RatekitTypeError) as caught:
            rater.feed(batch)  # type: ignore[arg-type]
        assert str(caught.value) == (
            f"Rater.feed takes Event, Sample and Inventory records, not {shown} of the batch)."
        )
    assert rater.feed([event]).accepted == ("on",)  # nothing of a refused batch was taken
