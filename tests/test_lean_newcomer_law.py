"""The lean path (RecordBatch of tuples or columns) rates what the friendly records rate.

A fleet's month fed as plain tuples of integer epoch microseconds must give, through
``rk.meter``, ``rk.rate``, ``rk.bill`` and ``Rater.feed``, exactly what ``rk.Event`` and
``rk.Sample`` give for the same fields: the same charges to the last digit, the same
anomalies, the same refusals. A second law holds the lean path's hours and bytes against
a brute-force walk of the records in exact ``Fraction`` arithmetic.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

T0 = 1772323200000000  # 2026-03-01T00:00:00Z
HOUR = 3_600_000_000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")

METERS = [
    rk.Meter("runtime", "hour", rk.OnOff()),
    rk.Meter("memory", "GiB*hour", rk.Continuous("memory_gib")),
    rk.Meter("egress", "B", rk.Discrete()),
    rk.Meter("wire", "B", rk.Counter()),
    rk.Meter("peak", "user", rk.Max()),
]
PLAN = rk.Plan(
    "fleet",
    "EUR",
    rk.cycles.monthly(tz="Europe/Zurich"),
    [
        rk.PriceEntry("any", "runtime", rk.PerUnit("0.0011")),
        rk.PriceEntry("small", "runtime", rk.PerUnit("0.0213"), where={"flavor": "s"}, priority=1),
        rk.PriceEntry("large", "runtime", rk.PerUnit("0.0871"), where={"flavor": "l"}, priority=1),
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.0031")),
        rk.PriceEntry(
            "egress",
            "egress",
            rk.Graduated([rk.Tier(1000, "0"), rk.Tier(None, "0.00009")]),
        ),
        rk.PriceEntry("wire", "wire", rk.PerUnit("0.0000007")),
        rk.PriceEntry("peak", "peak", rk.PerUnit("1.25")),
    ],
)


class FleetInt(int):
    """An int subclass, as a column store's integer scalar may be."""


class FleetStr(str):
    """A str subclass whose equality and hash are its own (numpy-like text)."""

    def __eq__(self, other: object) -> bool:
        return str.__eq__(self, other)

    def __hash__(self) -> int:
        return str.__hash__(self) ^ 1


def iso(at_us: int) -> str:
    return (EPOCH + dt.timedelta(microseconds=at_us)).isoformat()


# Instants: most in March, a few in late February and early April (outside the span),
# some on one shared instant (ties), each to the microsecond.
instants = st.one_of(
    st.integers(T0 - 48 * HOUR, T0 + 31 * 24 * HOUR + 48 * HOUR),
    st.sampled_from([T0, T0 + HOUR, T0 + 14 * 24 * HOUR, T0 + 31 * 24 * HOUR - 1]),
)
attribute_values = st.sampled_from(
    [
        None,
        {"flavor": "s", "memory_gib": 2},
        {"flavor": "l", "memory_gib": 8},
        {"flavor": "s", "memory_gib": Decimal("2.5")},
        {"flavor": "l", "memory_gib": 4.25},
        {"memory_gib": None},
        {"flavor": "s", "tags": ["a", "b"], "zone": {"name": "z1", "ha": True}},
    ]
)
accounts = st.sampled_from(["acme", "beta", "gamma"])
resources = st.sampled_from(["vm-1", "vm-2", "vm-3"])
ids = st.one_of(st.none(), st.sampled_from([f"r{i}" for i in range(12)]))
seqs = st.one_of(st.none(), st.integers(-3, 3))


@st.composite
def event_fields(draw: Callable[..., Any]) -> tuple[Any, ...]:
    return (
        draw(accounts),
        draw(resources),
        draw(instants),
        draw(st.sampled_from(["start", "update", "stop", "delete"])),
        draw(attribute_values),
        draw(ids),
        draw(seqs),
    )


sample_values = st.one_of(
    st.integers(0, 5000),
    st.decimals(min_value=0, max_value=5000, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from(["12.5", "1e3", "0.001", "700"]),
    st.sampled_from([0.1, 2.5, 1e3]),
)


@st.composite
def sample_fields(draw: Callable[..., Any]) -> tuple[Any, ...]:
    meter = draw(st.sampled_from(["egress", "wire", "peak"]))
    kind = {"egress": "delta", "wire": "counter", "peak": "gauge"}[meter]
    return (
        draw(accounts),
        draw(resources),
        meter,
        draw(instants),
        draw(sample_values),
        kind,
        draw(ids),
        draw(seqs),
    )


def friendly(events: list[tuple[Any, ...]], samples: list[tuple[Any, ...]]) -> list[Any]:
    made: list[Any] = [
        rk.Event(a, r, iso(at), attrs, kind=kind, id=i, seq=s)
        for a, r, at, kind, attrs, i, s in events
    ]
    made += [
        rk.Sample(a, r, m, iso(at), v, kind=kind, id=i, seq=s)
        for a, r, m, at, v, kind, i, s in samples
    ]
    return made


def disguised(value: Any) -> Any:
    """The same value as a hostile feed's scalars give it: str and int subclasses."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return FleetStr(value)
    if isinstance(value, int):
        return FleetInt(value)
    if isinstance(value, dict):
        return {FleetStr(k): disguised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [disguised(v) for v in value]
    return value


def hostile(fields: tuple[Any, ...]) -> tuple[Any, ...]:
    """The same fields, every str and int given as a subclass (numpy-like scalars)."""
    return tuple(disguised(field) for field in fields)


def lean_tuples(events: list[tuple[Any, ...]], samples: list[tuple[Any, ...]]) -> rk.RecordBatch:
    return rk.RecordBatch.from_tuples(
        events=[hostile(e) for e in events], samples=[hostile(s) for s in samples]
    )


EVENT_FIELDS = ("account", "resource", "at_us", "kind", "attributes", "id", "seq")
SAMPLE_FIELDS = ("account", "resource", "meter", "at_us", "value", "kind", "id", "seq")


def one_shot(rows: list[tuple[Any, ...]], index: int) -> Iterator[Any]:
    """A column read once, as a generator."""
    for row in rows:
        yield row[index]


def lean_columns(events: list[tuple[Any, ...]], samples: list[tuple[Any, ...]]) -> rk.RecordBatch:
    # the event columns as generators (one-shot), the sample columns as tuples
    event_columns = {name: one_shot(events, index) for index, name in enumerate(EVENT_FIELDS)}
    sample_columns = {
        name: tuple(row[index] for row in samples) for index, name in enumerate(SAMPLE_FIELDS)
    }
    return rk.RecordBatch.from_columns(events=event_columns, samples=sample_columns)


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("ok", call())
    except rk.RatekitError as error:
        return (type(error).__name__, str(error))


def rating_view(records: Any) -> Any:
    rating = rk.rate(records, PLAN, span=MARCH, meters=METERS, as_of=MARCH.end)
    invoices = rk.bill(rating, tz="Europe/Zurich")
    return (
        rating.charges,
        rating.anomalies,
        [(c.account, c.meter, c.resource, str(c.quantity), str(c.amount)) for c in rating.charges],
        [(a.kind, a.account, a.resource, a.record_ids, a.message) for a in rating.anomalies],
        [(i.account, str(i.total), [str(line.amount) for line in i.lines]) for i in invoices],
    )


def usage_view(records: Any) -> Any:
    usage = rk.meter(records, METERS, span=MARCH, cycle=PLAN.cycle, as_of=MARCH.end)
    return (usage.rows, usage.anomalies, [str(row.quantity) for row in usage.rows])


def kept_view(records: Any) -> Any:
    """Two versions of one id: one kept by the fixed rule, the others reported."""
    usage = rk.meter(
        records, METERS, span=MARCH, cycle=PLAN.cycle, as_of=MARCH.end, conflicts="anomaly"
    )
    return (usage.rows, [(a.kind, a.record_ids, a.message) for a in usage.anomalies])


@pytest.mark.property
@settings(
    max_examples=LAWS // 8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    events=st.lists(event_fields(), max_size=14),
    samples=st.lists(sample_fields(), max_size=10),
)
def test_lean_tuples_and_columns_rate_as_friendly_records(
    events: list[tuple[Any, ...]], samples: list[tuple[Any, ...]]
) -> None:
    expected_rating = outcome(lambda: rating_view(friendly(events, samples)))
    expected_usage = outcome(lambda: usage_view(friendly(events, samples)))
    expected_kept = outcome(lambda: kept_view(friendly(events, samples)))
    for build in (lean_tuples, lean_columns):
        assert outcome(lambda build=build: kept_view(build(events, samples))) == expected_kept
        assert outcome(lambda build=build: rating_view(build(events, samples))) == expected_rating
        assert outcome(lambda build=build: usage_view(build(events, samples))) == expected_usage
    # the records themselves are equal, one by one, in the batch's order
    batch = lean_tuples(events, samples)
    assert list(batch) == friendly(events, samples)
    assert [repr(record) for record in batch] == [repr(r) for r in friendly(events, samples)]
    assert all(type(record.account) is str for record in batch)
    assert all(type(record.at_us) is int for record in batch)


def statement_view(statement: rk.Statement) -> Any:
    return (
        [
            (
                line.role,
                line.account,
                line.meter,
                line.resource,
                str(line.quantity),
                str(line.amount),
            )
            for line in statement.lines
        ],
        [(a.kind, a.account, a.resource, a.record_ids, a.message) for a in statement.anomalies],
        [(i.account, str(i.total)) for i in statement.invoices],
        [str(statement.total)],
    )


def feed_view(feed: rk.Feed) -> Any:
    return (
        dict(feed.counts),
        feed.accepted,
        feed.duplicates,
        feed.conflicting,
        feed.late,
        feed.too_late,
    )


WATERMARKS = [T0 + 3 * 24 * HOUR, T0 + 17 * 24 * HOUR + 5, T0 + 31 * 24 * HOUR, T0 + 40 * 24 * HOUR]


@pytest.mark.property
@settings(
    max_examples=LAWS // 16,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    events=st.lists(event_fields(), max_size=14),
    samples=st.lists(sample_fields(), max_size=10),
    cuts=st.lists(st.integers(0, 24), min_size=4, max_size=4),
)
def test_rater_fed_lean_batches_states_what_friendly_batches_state(
    events: list[tuple[Any, ...]], samples: list[tuple[Any, ...]], cuts: list[int]
) -> None:
    """Each batch fed as a RecordBatch gives the feeds, statements and snapshot of the list."""
    rows: list[tuple[str, tuple[Any, ...]]] = [("e", e) for e in events] + [
        ("s", s) for s in samples
    ]
    rows.sort(key=lambda row: row[1][2] if row[0] == "e" else row[1][3])  # in time, roughly
    bounds = sorted({0, len(rows), *[min(c, len(rows)) for c in cuts]})
    parts = [rows[a:b] for a, b in itertools.pairwise(bounds)]

    def run(lean: bool) -> Any:
        rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=3))
        seen: list[Any] = []
        for index, part in enumerate(parts):
            part_events = [f for kind, f in part if kind == "e"]
            part_samples = [f for kind, f in part if kind == "s"]
            records: Any = (
                lean_tuples(part_events, part_samples)
                if lean
                else friendly(part_events, part_samples)
            )
            seen.append(
                outcome(lambda records=records, rater=rater: feed_view(rater.feed(records)))
            )
            as_of = iso(WATERMARKS[min(index, len(WATERMARKS) - 1)])
            seen.append(
                outcome(lambda as_of=as_of, rater=rater: statement_view(rater.statement(as_of)))
            )
            if index == 1:  # a restart between two feeds, through JSON
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        seen.append(outcome(rater.snapshot))
        return seen

    assert run(lean=True) == run(lean=False)


# --- the lean path against a brute-force walk ---------------------------------------


@st.composite
def on_off_streams(draw: Callable[..., Any]) -> list[tuple[Any, ...]]:
    """Starts and stops of a few VMs, distinct instants per VM, no ids (content only)."""
    stream: list[tuple[Any, ...]] = []
    for account in ("acme", "beta"):
        for resource in ("vm-1", "vm-2"):
            at = draw(st.lists(st.integers(T0, T0 + 31 * 24 * HOUR - 1), unique=True, max_size=6))
            kinds = draw(
                st.lists(st.sampled_from(["start", "stop"]), min_size=len(at), max_size=len(at))
            )
            stream.extend(
                (account, resource, instant, kind) for instant, kind in zip(at, kinds, strict=True)
            )
    return draw(st.permutations(stream))


def slice_at(at_us: int) -> Fraction:
    """F(t): the hours since the epoch at a quantum of 1e-24, half-even (Usage page)."""
    return Fraction(round(Fraction(at_us, HOUR) * 10**24), 10**24)


def brute_force_hours(stream: list[tuple[Any, ...]], as_of: int) -> dict[str, Fraction]:
    """Per account: the hours its VMs ran, walking each VM's events in time.

    Each run [a, b) counts F(b) - F(a), F rounded at 1e-24 as the Usage page says
    ("Exact quantities that add up"): pieces of one run telescope to it.
    """
    hours: dict[str, Fraction] = {}
    by_vm: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for account, resource, at, kind in stream:
        by_vm.setdefault((account, resource), []).append((at, kind))
    for (account, _), events in by_vm.items():
        running_since: int | None = None
        total = Fraction(0)
        for at, kind in sorted(events):
            if kind == "start" and running_since is None:
                running_since = at
            elif kind == "stop" and running_since is not None:
                total += slice_at(at) - slice_at(running_since)
                running_since = None
        if running_since is not None:
            total += slice_at(as_of) - slice_at(running_since)
        hours[account] = hours.get(account, Fraction(0)) + total
    return hours


@pytest.mark.property
@settings(max_examples=LAWS // 8, deadline=None)
@given(stream=on_off_streams(), as_of_offset=st.integers(0, 31 * 24 * HOUR))
def test_lean_hours_equal_a_brute_force_walk(
    stream: list[tuple[Any, ...]], as_of_offset: int
) -> None:
    as_of = T0 + as_of_offset
    batch = rk.RecordBatch.from_tuples(events=stream)
    usage = rk.meter(
        batch, [rk.Meter("runtime", "hour", rk.OnOff())], span=MARCH, cycle=None, as_of=iso(as_of)
    )
    got: dict[str, Fraction] = {}
    for row in usage.rows:
        got[row.account] = got.get(row.account, Fraction(0)) + Fraction(row.quantity)
    expected = {
        a: h for a, h in brute_force_hours([e for e in stream if e[2] < as_of], as_of).items() if h
    }
    assert {a: h for a, h in got.items() if h} == expected


@pytest.mark.property
@settings(max_examples=LAWS // 8, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.sampled_from(["acme", "beta"]),
            st.integers(T0 - HOUR, T0 + 31 * 24 * HOUR + HOUR),
            st.decimals(min_value=-50, max_value=10**6, places=4, allow_nan=False),
        ),
        max_size=30,
    )
)
def test_lean_delta_samples_sum_like_fractions(values: list[tuple[str, int, Decimal]]) -> None:
    """Every delta sample inside March counts once, whatever its instant's order."""
    batch = rk.RecordBatch.from_columns(
        samples={
            "account": [a for a, _, _ in values],
            "resource": ["ip-1"] * len(values),
            "meter": ["egress"] * len(values),
            "at_us": [FleetInt(at) for _, at, _ in values],
            "value": [v for _, _, v in values],
            "id": [f"s{i}" for i in range(len(values))],
        }
    )
    usage = rk.meter(
        batch, [rk.Meter("egress", "B", rk.Discrete())], span=MARCH, cycle=None, as_of=MARCH.end
    )
    for account in ("acme", "beta"):
        expected = sum(
            (Fraction(v) for a, at, v in values if a == account and T0 <= at < T0 + 31 * 24 * HOUR),
            Fraction(0),
        )
        got = sum((Fraction(r.quantity) for r in usage.rows if r.account == account), Fraction(0))
        assert got == expected
