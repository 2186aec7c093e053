"""A record given twice, written otherwise but equal, shows alike whichever comes first.

Two records equal to each other are one record given twice (a replay): ``{"beam": 1}``
and ``{"beam": Decimal("1.0")}``, a quantity ``3`` and ``Decimal("3.0")``, the same
keys in another order, the same instant at another offset. Metering keeps one and reports
the other as a ``"duplicate"``. Which one is kept is what a row shows of it (its
description), so it is a fixed rule, never the order listed: of equal versions, the one
least as written (``ratekit._versions.written()``: the snapshot's encoding, numbers as
given, keys in their order, compared as text) stands. The streaming rater keeps the same
one within a batch; across batches, the one fed first stands (the order of the feeds).
"""

from __future__ import annotations

import json
import random as _random
import typing
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._versions import written

CYCLE = rk.cycles.monthly(tz="UTC", day=15)
DATA = rk.Meter("data", "MB", rk.Discrete())
TERMINAL = rk.Meter("terminal", "day", rk.OnOff())
METERS = [DATA, TERMINAL]
MARCH = rk.Span("2026-03-15T00:00:00Z", "2026-04-15T00:00:00Z")
AT = "2026-03-15T00:00:00Z"
PLAN = rk.Plan(
    "basic",
    "USD",
    CYCLE,
    [
        rk.PriceEntry("data", "data", rk.PerUnit("0.02")),
        rk.PriceEntry("term", "terminal", rk.PerUnit("1.50")),
    ],
)

Record = rk.Event | rk.Sample | rk.Inventory


def _start(attributes: dict[str, object], record_id: str | None = "e") -> rk.Event:
    return rk.Event("ship1", "t1", AT, attributes, kind="start", id=record_id)


def _usage(records: list[Record]) -> rk.Usage:
    return rk.meter(records, METERS, span=MARCH, cycle=CYCLE, as_of=MARCH.end)


def _shown(records: list[Record]) -> tuple[object, ...]:
    """All a metering call shows of ``records``: rows, their reprs and HTML, anomalies."""
    usage = _usage(records)
    rows = [rk.to_row(row) for row in usage.rows]
    orders = [list(row["description"]) for row in rows]
    return rows, orders, repr(usage.rows), usage._repr_html_(), usage.anomalies


def _alike_in_either_order(one: Record, two: Record) -> rk.Usage:
    """Both orders show alike; the usage of ``[one, two]``, one ``"duplicate"`` anomaly."""
    assert one == two
    assert _shown([one, two]) == _shown([two, one])
    usage = _usage([one, two])
    assert [anomaly.kind for anomaly in usage.anomalies].count("duplicate") == 1
    return usage


def _description(usage: rk.Usage, meter: str = "terminal") -> dict[str, object]:
    (row,) = [row for row in usage.rows if row.meter == meter]
    return dict(row.description)


@pytest.mark.parametrize("record_id", ["e", None])
def test_a_beam_of_1_or_1_0_shows_1_in_either_order(record_id: str | None) -> None:
    # ``1`` is written 1, ``Decimal("1.0")`` {"decimal":"1.0"}: "1" (0x31) sorts before
    # "{" (0x7b), so the int is kept, listed first or second. 31 terminal-days either way.
    one = _start({"beam": 1}, record_id)
    two = _start({"beam": Decimal("1.0")}, record_id)
    assert written(one) < written(two)
    usage = _alike_in_either_order(two, one)
    description = _description(usage)
    assert description == {"beam": 1}
    assert type(description["beam"]) is int
    assert usage.total("terminal") == Decimal(31)


@pytest.mark.parametrize("record_id", ["e", None])
def test_decimals_of_one_value_show_the_record_least_as_written(record_id: str | None) -> None:
    # {"decimal":"1.0"} against {"decimal":"1.00"}: they part at the fourth character of
    # the number, '"' (0x22) against "0" (0x30): 1.0 is less. The record is compared
    # whole, and it parts at the beam first: ``two`` is kept with its power of 1.50, though
    # ``one``'s float 1.5 (Decimal("1.5") at the door) is written shorter.
    one = _start({"beam": Decimal("1.00"), "power": 1.5}, record_id)
    two = _start({"beam": Decimal("1.0"), "power": Decimal("1.50")}, record_id)
    assert written(two) < written(one)
    usage = _alike_in_either_order(one, two)
    description = _description(usage)
    assert [str(description["beam"]), str(description["power"])] == ["1.0", "1.50"]


def test_a_flag_and_a_number_are_two_versions_not_a_replay() -> None:
    # True == 1 in Python, not in a description: other content under one id, refused in
    # either order; with conflicts="anomaly", the version by digest stands either way.
    one, two = _start({"beam": True}), _start({"beam": 1})
    assert one != two
    for records in ([one, two], [two, one]):
        with pytest.raises(rk.ConflictingRecordError):
            _usage(list(records))
    kept = [
        _description(
            rk.meter(
                list(records), METERS, span=MARCH, cycle=CYCLE, as_of=MARCH.end,
                conflicts="anomaly",
            )
        )
        for records in ([one, two], [two, one])
    ]  # fmt: skip
    assert kept[0] == kept[1]
    assert type(kept[0]["beam"]) is type(kept[1]["beam"])


@pytest.mark.parametrize("record_id", ["e", None])
def test_nested_numbers_written_otherwise_show_alike(record_id: str | None) -> None:
    # The first number they part at: 1 against {"decimal":"1.0"} in the list, the int kept;
    # the mapping's 2 (an int in both) as it is.
    one = _start({"disks": [{"size": Decimal("1.0")}, 2], "cfg": {"n": 2}}, record_id)
    two = _start({"disks": [{"size": 1}, 2], "cfg": {"n": 2}}, record_id)
    usage = _alike_in_either_order(one, two)
    assert _description(usage) == {"disks": [{"size": 1}, 2], "cfg": {"n": 2}}
    assert type(_description(usage)["disks"][0]["size"]) is int  # type: ignore[index]


@pytest.mark.parametrize("record_id", ["e", None])
def test_keys_in_another_order_show_in_one_order(record_id: str | None) -> None:
    # {"a":1,"b":2} against {"b":2,"a":1}: '"a"' sorts before '"b"', so a, b is kept.
    one = _start({"b": 2, "a": 1}, record_id)
    two = _start({"a": 1, "b": 2}, record_id)
    usage = _alike_in_either_order(one, two)
    assert list(_description(usage)) == ["a", "b"]


@pytest.mark.parametrize("record_id", ["s", None])
def test_a_quantity_of_3_or_3_0_shows_alike(record_id: str | None) -> None:
    # "3" against "3.0" as written: "3" is a prefix, so it is less, and kept. 3 MB.
    one = rk.Sample("ship1", "t1", "data", "2026-03-16T00:00:00Z", Decimal("3.0"), id=record_id)
    two = rk.Sample("ship1", "t1", "data", "2026-03-16T00:00:00Z", 3, id=record_id)
    assert written(two) < written(one)
    usage = _alike_in_either_order(one, two)
    assert usage.total("data") == Decimal(3)


def test_one_instant_at_two_offsets_is_one_record_written_alike() -> None:
    # 00:00 UTC is 01:00 at +01:00: the instant is kept in microseconds, written alike.
    one = _start({"beam": 1})
    two = rk.Event("ship1", "t1", "2026-03-15T01:00:00+01:00", {"beam": 1}, kind="start", id="e")
    assert written(one) == written(two)
    _alike_in_either_order(one, two)


def test_inventories_without_an_id_replayed_written_otherwise_show_alike() -> None:
    # Two equal listings without an id: one kept (the int beam), a "duplicate" for the other.
    one = rk.Inventory(AT, [("ship1", "t1", {"beam": Decimal("1.0")})])
    two = rk.Inventory(AT, [("ship1", "t1", {"beam": 1})])
    usage = _alike_in_either_order(one, two)
    assert _description(usage) == {"beam": 1}


def test_a_record_batch_given_twice_written_otherwise_shows_alike() -> None:
    # The lean path (tuples, read as columns) keeps the same copies: the int beam and the
    # quantity 3 (written "3", a prefix of "3.0"). 31 terminal-days, 3 MB, either way.
    at_us = 1773532800000000  # 2026-03-15T00:00:00Z
    one = ("ship1", "t1", at_us, "start", {"beam": 1}, "e")
    two = ("ship1", "t1", at_us, "start", {"beam": Decimal("1.0")}, "e")
    three = ("ship1", "t1", "data", at_us + 10, 3, "delta", "s")
    three_zero = ("ship1", "t1", "data", at_us + 10, Decimal("3.0"), "delta", "s")

    def shown(events: list[typing.Any], samples: list[typing.Any]) -> typing.Any:
        batch = rk.RecordBatch.from_tuples(events, samples)
        usage = rk.meter(batch, METERS, span=MARCH, cycle=CYCLE, as_of=MARCH.end)
        return [rk.to_row(row) for row in usage.rows], repr(usage.rows), usage.anomalies

    assert shown([one, two], [three, three_zero]) == shown([two, one], [three_zero, three])
    rows, _, anomalies = shown([two, one], [three_zero, three])
    assert [row["description"] for row in rows] == [{"beam": 1}, {"beam": 1}]
    assert [row["quantity"] for row in rows] == ["3", "31"]
    assert [anomaly.kind for anomaly in anomalies] == ["duplicate", "duplicate"]


def test_the_rater_keeps_the_least_written_of_one_batch_and_the_first_fed_of_two() -> None:
    one, two = _start({"beam": 1}), _start({"beam": Decimal("1.0")})

    def kept(batches: list[list[Record]]) -> object:
        rater = rk.Rater(PLAN, METERS, start=MARCH.start)
        for batch in batches:
            rater.feed(batch)
        snapshot = json.loads(json.dumps(rater.snapshot()))
        return _beam_kept(snapshot)

    # One batch: as meter() keeps it, whatever the order listed.
    assert kept([[one, two]]) == kept([[two, one]]) == 1
    # Two batches: the one fed first stands; the later one is a duplicate (docs/streaming.md).
    assert kept([[two], [one]]) == {"decimal": "1.0"}
    assert kept([[one], [two]]) == 1


def _beam_kept(snapshot: dict[str, typing.Any]) -> object:
    """The beam of the one event a rater's snapshot holds, as the snapshot writes it."""
    (attributes,) = snapshot["body"]["by_resource"]["attributes"]
    return attributes["beam"]


# -- the law ---------------------------------------------------------------------------------


def _as_written(value: Decimal, zeros: int) -> int | Decimal:
    """``value`` written with ``zeros`` more zeros after its point (0: an int if whole)."""
    if zeros == 0 and value == value.to_integral_value():
        return int(value)
    exponent = min(value.as_tuple().exponent, 0) - zeros  # type: ignore[operator]
    return value.quantize(Decimal(1).scaleb(exponent))


_KINDS: list[typing.Literal["start", "update", "stop"]] = ["start", "update", "stop"]
_VALUES = st.integers(0, 8).map(lambda n: Decimal(n) / 2)
_ZEROS = st.integers(0, 2)


@st.composite
def _replayed(draw: st.DrawFn) -> list[Record]:
    """Records (each once), and for some a replay equal to it but written otherwise."""
    records: list[Record] = []
    for index in range(draw(st.integers(1, 5))):
        resource = draw(st.sampled_from(["t1", "t2"]))
        hour = draw(st.integers(0, 3))
        record_id = draw(st.sampled_from([f"r{index}", None]))
        copies = draw(st.integers(1, 3))
        if draw(st.booleans()):
            beam, size = draw(_VALUES), draw(_VALUES)
            kind = draw(st.sampled_from(_KINDS))
            keys_reversed = [draw(st.booleans()) for _ in range(copies)]
            zeros = [(draw(_ZEROS), draw(_ZEROS)) for _ in range(copies)]
            for reverse, (beam_zeros, size_zeros) in zip(keys_reversed, zeros, strict=True):
                items = [
                    ("beam", _as_written(beam, beam_zeros)),
                    ("disks", [{"size": _as_written(size, size_zeros)}]),
                ]
                attributes = dict(reversed(items) if reverse else items)
                at = f"2026-03-15T{hour:02}:00:00Z"
                records.append(rk.Event("ship1", resource, at, attributes, kind=kind, id=record_id))
        else:
            value = draw(_VALUES)
            at = f"2026-03-16T{hour:02}:00:00Z"
            for _ in range(copies):
                given = _as_written(value, draw(_ZEROS))
                records.append(rk.Sample("ship1", resource, "data", at, given, id=record_id))
    return records


def _invoice_text(records: list[Record]) -> list[str]:
    rating = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    return [invoice.to_text() for invoice in rk.bill(rating, by_resource=True)]


@settings(max_examples=LAWS)
@given(_replayed(), st.randoms(use_true_random=False))
def test_any_order_of_records_given_twice_shows_alike(
    records: list[Record], random: _random.Random
) -> None:
    shuffled = list(records)
    random.shuffle(shuffled)
    assert _shown(records) == _shown(shuffled)
    assert _invoice_text(records) == _invoice_text(shuffled)
