"""An inventory snapshot at the last watermark: taken on from the carried states.

A reconciler lists what exists each hour and asks a statement at the listing's own
instant, its natural clock. The listing stamped at a watermark is read by the next
statement (a record at a watermark is not read by the statement there). It closes what
it does not list at its instant, where the carried states stand, so it is taken on from
them, as one stamped after the watermark is, instead of every resource being metered
again from the kept cycles' start: a statement's cost stays flat over the cycle
(`tests/test_storage_newcomer_faults.py` counts it). The law: events and listings on one
hourly grid, statements at the instants fed (so listings, deletes and starts land at
watermarks), restores now and then: the statements' lines add up to one batch rate()
and say batch's anomalies, each once.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._rater_streams import BASIC, CALLS, MEMORY, PLAIN, RUNTIME, batch_sums, sums

import ratekit as rk
from ratekit._instants import format_us, to_us

HOUR_US = 3_600_000_000
T0 = to_us("2026-03-01T00:00:00Z")
METERS = (RUNTIME, MEMORY, CALLS)
ONE_PRICE = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("rt", "runtime", rk.PerUnit(1))]
)


def _at(hours: int) -> str:
    return format_us(T0 + hours * HOUR_US)


def test_a_listing_at_the_watermark_closes_what_it_does_not_list_there() -> None:
    # A and B run from 00:00 (1 EUR an hour each). The listing of 05:00 lists A only and
    # the statement is asked at 05:00 itself: the next statement (08:00) reads it, B
    # closes at 05:00. A runs on to 08:00: 8 + 5 = 13 EUR, as batch rates it.
    rater = rk.Rater(ONE_PRICE, [RUNTIME], start=_at(0))
    rater.feed(
        [
            rk.Event("a", "A", _at(0), kind="start", id="a1"),
            rk.Event("a", "B", _at(0), kind="start", id="b1"),
        ]
    )
    first = rater.statement(_at(5))
    listing = rk.Inventory(_at(5), [("a", "A")], id="inv-5")
    rater.feed([listing])
    second = rater.statement(_at(8))
    said = [(line.resource, line.role, line.amount) for line in (*first.lines, *second.lines)]
    assert said == [
        ("A", "charge", Decimal(5)),
        ("B", "charge", Decimal(5)),
        ("A", "increment", Decimal(3)),
    ]
    span = rk.Span(_at(0), _at(8))
    records = [
        rk.Event("a", "A", _at(0), kind="start", id="a1"),
        rk.Event("a", "B", _at(0), kind="start", id="b1"),
        listing,
    ]
    batch = rk.rate(records, ONE_PRICE, span=span, meters=[RUNTIME], as_of=span.end)
    assert {(c.resource, c.amount) for c in batch.charges} == {("A", 8), ("B", 5)}
    assert [a.kind for a in second.anomalies] == [a.kind for a in batch.anomalies]
    assert [a.kind for a in batch.anomalies] == ["reconciled_close"]


def _stream(rng: random.Random) -> list[rk.Record]:
    """Two days of VMs of two accounts, with calls and listings, all on whole hours."""
    out: list[rk.Record] = []
    keys = []
    counter = iter(range(10**6))
    for account in ("a", "b"):
        for index in range(rng.randint(1, 3)):
            resource = f"{account}-vm{index}"
            keys.append((account, resource))
            hour = rng.randrange(0, 8)
            for _ in range(rng.randint(1, 6)):
                kind = rng.choice(("start", "start", "stop", "update", "delete"))
                description = {"memory_mb": rng.choice((256, 512))} if kind != "stop" else {}
                out.append(
                    rk.Event(
                        account, resource, _at(hour), description, kind=kind, id=f"e{next(counter)}"
                    )
                )
                hour += rng.randrange(0, 10)
            out.extend(
                rk.Sample(
                    account,
                    resource,
                    "calls",
                    _at(rng.randrange(0, 40)),
                    rng.randrange(0, 9),
                    id=f"s{next(counter)}",
                )
                for _ in range(rng.randint(0, 3))
            )
    for _ in range(rng.randint(1, 6)):
        listed = [key for key in keys if rng.random() < 0.7]
        if rng.random() < 0.2:
            listed.append((rng.choice(("a", "b")), f"new-{next(counter)}"))
        accounts = None
        if rng.random() < 0.3:
            accounts = [rng.choice(("a", "b"))]
            listed = [key for key in listed if key[0] in accounts]
        out.append(
            rk.Inventory(
                _at(rng.randrange(1, 40)),
                sorted(set(listed)),
                id=f"inv{next(counter)}",
                accounts=accounts,
            )
        )
    out.sort(key=lambda record: record.at_us)
    return out


def _feed(rng: random.Random, stream: list[rk.Record], plan: rk.Plan) -> list[rk.Statement]:
    """Feed ``stream`` in time order, statements at the instants fed, restores now and then."""
    rater = rk.Rater(plan, METERS, start=_at(0), horizon=dt.timedelta(hours=rng.choice((0, 2))))
    statements: list[rk.Statement] = []
    position = 0
    as_of = T0
    while position < len(stream):
        batch = stream[position : position + rng.randint(1, 3)]
        position += len(batch)
        rater.feed(batch)
        if rng.random() < 0.6:
            # At the last record fed: a listing there is read by the next statement.
            as_of = max(as_of, batch[-1].at_us)
            statements.append(rater.statement(format_us(as_of)))
        if rng.random() < 0.2:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, METERS)
    statements.append(rater.statement(_at(72)))
    return statements


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32), plain=st.booleans())
def test_listings_at_watermarks_add_up_to_one_batch_rate(seed: int, plain: bool) -> None:
    rng = random.Random(seed)
    stream = _stream(rng)
    plan = PLAIN if plain else BASIC
    statements = _feed(rng, stream, plan)
    batch_rating = rk.rate(stream, plan, span=rk.Span(_at(0), _at(72)), meters=METERS)
    lines = [line for statement in statements for line in statement.lines]
    assert sums(lines) == {
        key: value for key, value in batch_sums(batch_rating.charges).items() if value != (0, 0)
    }
    said = [a for statement in statements for a in statement.anomalies]
    assert len(said) == len(set(said))
    assert set(said) == set(batch_rating.anomalies)
