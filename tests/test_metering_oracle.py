"""Batch metering of events against a brute-force oracle written from the docs.

The oracle knows nothing of ratekit's code. It reads docs/usage.md ("The order of a
resource's events", the kinds, the `tie` and `duplicate` rules, attributes merged one
level deep with `None` removing a key, dotted paths, `when`), docs/calendars.md (a cycle
starts at local midnight) and DESIGN §3: it orders each resource's events as documented,
applies them to a status and a description, then walks time minute by minute and adds,
per (account, resource, meter, cycle), what each level accrues in that minute, as an
exact `Fraction` of an hour. `rk.meter()` must agree to within its documented quantum
(1e-24 of the unit per row), and `rk.rate()` under a per-unit plan must price exactly
those quantities.

Ties at one instant without `seq` are the one place the docs leave a choice: the fixed
order (start, update, stop, delete, then id) when it is clean, else an order in which no
event is a duplicate. The oracle computes the result of every order the docs allow and
accepts any of them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import ratekit as rk

UTC = dt.UTC
KINDS = ("start", "update", "stop", "delete")
KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}
QUANTUM = Fraction(1, 10**24)
RATE = Decimal("0.37")
#: (first instant, minutes): around the March change in Zurich and April's first day,
#: around the October change, and across 1 November.
WINDOWS = (
    (dt.datetime(2026, 3, 28, 12, tzinfo=UTC), 4 * 1440),
    (dt.datetime(2026, 10, 24, 12, tzinfo=UTC), 2 * 1440),
    (dt.datetime(2026, 10, 30, 12, tzinfo=UTC), 3 * 1440),
)
#: The meters: name -> (policy, the oracle's reading of it: a level path or None, when).
METERS: dict[str, tuple[Any, str | None, Mapping[str, object] | None]] = {
    "hours": (rk.OnOff(), None, None),
    "active": (rk.OnOff(when={"state": "active"}), None, {"state": "active"}),
    "size": (rk.Continuous("size"), "size", None),
    "gb": (rk.Continuous("props.gb", when={"state": "active"}), "props.gb", {"state": "active"}),
}


@attrs.frozen
class Ev:
    """One drawn event: the oracle's own value, turned into an `rk.Event` for ratekit."""

    resource: str
    minute: int
    kind: str
    attributes: Mapping[str, object]
    id: str | None
    seq: int | None

    def event(self, base: dt.datetime) -> rk.Event:
        return rk.Event(
            "acme" if self.resource != "r3" else "other",
            self.resource,
            base + dt.timedelta(minutes=self.minute),
            dict(self.attributes),
            kind=self.kind,  # type: ignore[arg-type]
            id=self.id,
            seq=self.seq,
        )


def account_of(resource: str) -> str:
    return "acme" if resource != "r3" else "other"


# --- the oracle ------------------------------------------------------------------------


def merge(description: Mapping[str, object], attributes: Mapping[str, object]) -> dict[str, object]:
    """docs/usage.md: merged one level deep; a key set to None is removed."""
    merged = dict(description)
    for key, value in attributes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def read(description: Mapping[str, object], path: str) -> object:
    """A dotted path: a flat key as it is when present, else one step per part."""
    if path in description:
        return description[path]
    value: object = description
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def level(
    description: Mapping[str, object], path: str | None, when: Mapping[str, object] | None
) -> Fraction:
    """What one hour under this description accrues (the resource running)."""
    for key, wanted in (when or {}).items():
        have = read(description, key)
        if have is None or type(have) is not type(wanted) or have != wanted:
            return Fraction(0)
    if path is None:
        return Fraction(1)
    value = read(description, path)
    if isinstance(value, bool) or value is None:
        return Fraction(0)
    if isinstance(value, str):
        return Fraction(Decimal(value))
    if isinstance(value, int | Decimal):
        return Fraction(value)
    return Fraction(0)


#: a status: None (unknown), "running", "stopped", "deleted"
State = tuple[str | None, dict[str, object]]


def apply(state: State, event: Ev) -> tuple[State, bool]:  # noqa: PLR0911 (one return per documented case)
    """The state after one event, and whether the event was a duplicate (ignored)."""
    status, description = state
    kind = event.kind
    if status == "deleted":
        return state, True  # after_delete: an event is ignored
    if kind == "start":
        new = merge(description, event.attributes)
        if status == "running" and new == description:
            return state, True  # duplicate_start
        return ("running", new), False
    if kind == "update":
        new = merge(description, event.attributes)
        return ("running" if status is None else status, new), False
    if status is None:  # orphan_stop: nothing charged, the resource known stopped or ended
        if kind == "stop":
            return ("stopped", merge(description, event.attributes)), True
        return ("deleted", description), True
    if kind == "stop":
        if status == "stopped":
            return state, True  # duplicate_stop
        return ("stopped", merge(description, event.attributes)), False
    return ("deleted", description), False


def order(events: Sequence[Ev]) -> list[list[tuple[int, Ev]]]:
    """The documented order, as slots: each a list of (effective minute, event) groups.

    Returns a list of groups; each group is a list of events that the oracle may permute
    (a tie of events without seq at one instant), in order, with its effective instant.
    """
    sequenced = sorted((e for e in events if e.seq is not None), key=lambda e: e.seq or 0)
    plain = sorted((e for e in events if e.seq is None), key=lambda e: e.minute)
    effective: list[int] = []
    for e in sequenced:
        effective.append(max(e.minute, effective[-1]) if effective else e.minute)
    slots: list[list[Ev]] = [[] for _ in range(len(sequenced) + 1)]
    for e in plain:
        k = max((i for i, s in enumerate(sequenced) if s.minute < e.minute), default=-1)
        slots[k + 1].append(e)
    groups: list[list[tuple[int, Ev]]] = []
    for index in range(len(sequenced) + 1):
        floor = effective[index - 1] if index else None
        for _, tied in itertools.groupby(slots[index], key=lambda e: e.minute):
            tie = sorted(tied, key=lambda e: (KIND_RANK[e.kind], e.id or ""))
            at = tie[0].minute if floor is None else max(floor, tie[0].minute)
            groups.append([(at, e) for e in tie])
        if index < len(sequenced):
            groups.append([(effective[index], sequenced[index])])
    return groups


def clean(state: State, events: Sequence[Ev]) -> tuple[bool, State]:
    duplicate = False
    for e in events:
        state, ignored = apply(state, e)
        duplicate = duplicate or ignored
    return not duplicate, state


def histories(events: Sequence[Ev], limit: int = 64) -> Iterator[list[tuple[int, State]]]:
    """Every documented history of one resource: (effective minute, state after) steps."""

    def walk(groups: list[list[tuple[int, Ev]]], state: State) -> Iterator[list[tuple[int, State]]]:
        if not groups:
            yield []
            return
        group, rest = groups[0], groups[1:]
        at = group[0][0]
        tie = [e for _, e in group]
        fixed_clean, fixed_state = clean(state, tie)
        if len(tie) == 1 or fixed_clean:
            choices = [fixed_state]
        else:
            choices = []
            for permutation in itertools.permutations(tie):
                ok, after = clean(state, permutation)
                if ok and after not in choices:
                    choices.append(after)
            if not choices:  # no clean order: any order
                for permutation in itertools.permutations(tie):
                    after = clean(state, permutation)[1]
                    if after not in choices:
                        choices.append(after)
        for after in choices:
            for tail in walk(rest, after):
                yield [(at, after), *tail]

    yield from itertools.islice(walk(order(events), (None, {})), limit)


def cycle_key(instant: dt.datetime, cycle: str) -> tuple[object, ...]:
    """The cycle holding an instant, named by its local start date (docs/calendars.md)."""
    kind, _, zone = cycle.partition("@")
    local = instant.astimezone(zoneinfo.ZoneInfo(zone))
    if kind == "daily":
        return (local.year, local.month, local.day)
    return (local.year, local.month, 1)


def expected(
    events: Sequence[Ev],
    base: dt.datetime,
    *,
    start: int,
    end: int,
    as_of: int,
    cycle: str | None,
) -> list[dict[tuple[object, ...], Fraction]]:
    """Every documented outcome: (account, resource, meter, cycle) -> hours' quantity."""
    known = [e for e in {e.id: e for e in events}.values() if e.minute < as_of]
    by_resource: dict[str, list[Ev]] = defaultdict(list)
    for e in known:
        by_resource[e.resource].append(e)
    stop = min(end, as_of)
    cycles = {
        minute: (cycle_key(base + dt.timedelta(minutes=minute), cycle) if cycle else ())
        for minute in range(start, stop)
    }
    per_resource: list[list[dict[tuple[object, ...], Fraction]]] = []
    for resource, its in sorted(by_resource.items()):
        outcomes: list[dict[tuple[object, ...], Fraction]] = []
        for history in histories(its):
            minutes: dict[tuple[object, ...], int] = defaultdict(int)
            step, state = 0, (None, {})
            for minute in range(start, stop):
                while step < len(history) and history[step][0] <= minute:
                    state = history[step][1]
                    step += 1
                if state[0] != "running":
                    continue
                for name, (_, path, when) in METERS.items():
                    rate = level(state[1], path, when)
                    if rate:
                        minutes[(account_of(resource), resource, name, cycles[minute], rate)] += 1
            totals: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
            for (*key, rate), count in minutes.items():
                totals[tuple(key)] += rate * count / 60
            if dict(totals) not in outcomes:
                outcomes.append(dict(totals))
        per_resource.append(outcomes)
    results = []
    for combination in itertools.islice(itertools.product(*per_resource), 256):
        merged: dict[tuple[object, ...], Fraction] = {}
        for part in combination:
            merged.update(part)
        results.append(merged)
    return results


# --- ratekit ---------------------------------------------------------------------------


def ratekit_cycle(cycle: str | None) -> Any:
    if cycle is None:
        return None
    kind, _, zone = cycle.partition("@")
    return rk.cycles.daily(tz=zone) if kind == "daily" else rk.cycles.monthly(tz=zone)


def metered(usage_rows: Any, cycle: str | None) -> dict[tuple[object, ...], Fraction]:
    totals: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for row in usage_rows:
        key = cycle_key(row.cycle.start, cycle) if cycle else ()
        totals[(row.account, row.resource, row.meter, key)] += Fraction(row.quantity)
    return {key: value for key, value in totals.items() if value}


def close(
    got: Mapping[tuple[object, ...], Fraction],
    due: Mapping[tuple[object, ...], Fraction],
    slack: Fraction,
) -> bool:
    keys = set(got) | {key for key, value in due.items() if value}
    return all(abs(got.get(key, Fraction(0)) - due.get(key, Fraction(0))) <= slack for key in keys)


@attrs.frozen
class Case:
    events: tuple[Ev, ...]
    window: int
    start: int
    end: int
    as_of: int
    cycle: str | None
    shuffle: int


def check(case: Case) -> None:
    base, _ = WINDOWS[case.window]
    records = [e.event(base) for e in case.events]
    random.Random(case.shuffle).shuffle(records)
    span = rk.Span(base + dt.timedelta(minutes=case.start), base + dt.timedelta(minutes=case.end))
    as_of = base + dt.timedelta(minutes=case.as_of)
    meters = [rk.Meter(name, "hour", policy) for name, (policy, _, _) in METERS.items()]
    cycle = ratekit_cycle(case.cycle)
    usage = rk.meter(records, meters, span=span, cycle=cycle, as_of=as_of)
    got = metered(usage.rows, case.cycle)
    slack = QUANTUM * (len(usage.rows) + 1)
    outcomes = expected(
        case.events, base, start=case.start, end=case.end, as_of=case.as_of, cycle=case.cycle
    )
    assert any(close(got, due, slack) for due in outcomes), (
        f"ratekit {sorted(got.items())}\noracle {[sorted(o.items()) for o in outcomes[:4]]}\n"
        f"anomalies {[str(a) for a in usage.anomalies]}"
    )
    # the same records in another order, cut into other lists, meter the same
    again = list(reversed(records))
    cut = len(again) // 2
    for listed in (again, [*again[cut:], *again[:cut]]):
        assert (
            metered(rk.meter(listed, meters, span=span, cycle=cycle, as_of=as_of).rows, case.cycle)
            == got
        )
    if cycle is None:
        return
    # money: a per-unit price of every meter prices exactly the metered quantities
    plan = rk.Plan(
        "p", "EUR", cycle, [rk.PriceEntry(name, name, rk.PerUnit(RATE)) for name in METERS]
    )
    rating = rk.rate(records, plan, span=span, meters=meters, as_of=as_of)
    charged: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for charge in rating.charges:
        if charge.meter in METERS:
            key = (
                charge.account,
                charge.resource,
                charge.meter,
                cycle_key(charge.cycle.start, case.cycle),
            )
            charged[key] += Fraction(charge.amount)
    for key in set(charged) | set(got):
        assert (
            abs(charged.get(key, Fraction(0)) - got.get(key, Fraction(0)) * Fraction(RATE)) <= slack
        ), key


# --- drawing ---------------------------------------------------------------------------

RESOURCES = ("r1", "r2", "r3")
values = st.one_of(st.none(), st.integers(0, 9), st.sampled_from(["3", "12", "0.5"]))
attributes = st.fixed_dictionaries(
    {},
    optional={
        "size": values,
        "state": st.sampled_from([None, "active", "idle"]),
        "props": st.one_of(st.none(), st.fixed_dictionaries({}, optional={"gb": values})),
    },
)


MAX_TIE = 6


@st.composite
def cases(draw: st.DrawFn) -> Case:
    window = draw(st.integers(0, len(WINDOWS) - 1))
    minutes = WINDOWS[window][1]
    grid = draw(st.sampled_from([1, 15, 60, 360]))  # coarse grids make ties
    count = draw(st.integers(0, 14))
    events: list[Ev] = []
    seqs: dict[str, Iterator[int]] = {r: iter(draw(st.permutations(range(20)))) for r in RESOURCES}
    for number in range(count):
        resource = draw(st.sampled_from(RESOURCES))
        kind = draw(st.sampled_from(("start", "start", "update", "update", "stop", "delete")))
        given_attributes = draw(attributes) if kind != "delete" else {}
        with_seq = draw(st.booleans()) and draw(st.booleans())
        events.append(
            Ev(
                resource,
                draw(st.integers(0, minutes // grid)) * grid,
                kind,
                given_attributes,
                f"e{number}",
                next(seqs[resource]) if with_seq else None,
            )
        )
    replays = draw(st.lists(st.sampled_from(events), max_size=3)) if events else []
    # The oracle tries every order of a tie: at most 6 events of a resource at one minute
    # (6! = 720 orders; 11 ties made 40 million, and one example ran for minutes).
    ties = Counter((e.resource, e.minute) for e in events + replays)
    assume(max(ties.values(), default=0) <= MAX_TIE)
    start = draw(st.one_of(st.just(0), st.integers(0, minutes)))
    end = draw(st.one_of(st.just(minutes), st.integers(start, minutes)))
    as_of = draw(st.one_of(st.just(minutes), st.just(end), st.integers(start, minutes)))
    cycle = draw(
        st.sampled_from(
            [None, "daily@UTC", "daily@Europe/Zurich", "monthly@UTC", "monthly@Europe/Zurich"]
        )
    )
    return Case(tuple(events + replays), window, start, end, as_of, cycle, draw(st.integers(0, 9)))


def test_an_orphan_stop_or_delete_leaves_the_resource_known() -> None:
    """docs/usage.md, `orphan_stop`: stopped (an update does not start it) or ended."""
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    meters = [rk.Meter("hours", "hour", rk.OnOff())]

    def hours(first: str, then: str) -> Decimal:
        records = [
            rk.Event("a", "r", "2026-03-01T01:00:00Z", kind=first, id="1"),  # type: ignore[arg-type]
            rk.Event("a", "r", "2026-03-01T02:00:00Z", {"x": 1}, kind=then, id="2"),  # type: ignore[arg-type]
        ]
        return rk.meter(records, meters, span=day, cycle=None, as_of=day.end).total()

    # an update after an orphan stop: still stopped, 0 h; a start runs 02:00-24:00, 22 h
    assert (hours("stop", "update"), hours("stop", "start")) == (Decimal(0), Decimal(22))
    # after an orphan delete the resource has ended: a start is ignored, 0 h
    assert hours("delete", "start") == Decimal(0)


@pytest.mark.property
@given(cases())
def test_metering_matches_the_oracle(case: Case) -> None:
    check(case)
