"""What a build-minutes backend's bad webhooks and slips meet at ratekit's doors
(docs/guarantees.md): a ``RatekitError`` subclass naming the record or field, what was
wrong and what is accepted; nothing else escapes, no float leaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

import ratekit as rk
from _build_minutes import LA, METERS, NOVEMBER, STANDARD

E = rk.Event
S = rk.Sample
WHEN = "2026-11-02T00:00:00Z"


def fresh() -> rk.Rater:
    return rk.Rater(STANDARD, METERS, start=NOVEMBER.start, tz=LA)


CASES: list[tuple[str, Callable[[], object], type[rk.RatekitError], tuple[str, ...]]] = [
    (
        "naive instant",
        lambda: E("a", "j", "2026-11-02T00:00:00", kind="start", id="1"),
        rk.BadTimeError,
        ("'1'", "no UTC offset"),
    ),
    (
        "epoch int",
        lambda: E("a", "j", 1793577600, kind="start", id="1"),
        rk.RatekitTypeError,
        ("at", "int"),
    ),
    (
        "bytes instant",
        lambda: E("a", "j", b"2026-11-02T00:00:00Z", kind="start", id="1"),
        rk.RatekitTypeError,
        ("at", "bytes"),
    ),
    (
        "kind in capitals",
        lambda: E("a", "j", WHEN, kind="START", id="1"),
        rk.BadRecordError,
        ("kind 'START'", "'start'"),
    ),
    (
        "account int",
        lambda: E(5, "j", WHEN, kind="start", id="1"),
        rk.RatekitTypeError,
        ("account", "string"),
    ),
    (
        "id int",
        lambda: E("a", "j", WHEN, kind="start", id=1),
        rk.RatekitTypeError,
        ("id", "string"),
    ),
    (
        "runner NaN",
        lambda: E("a", "j", WHEN, {"runner": float("nan")}, kind="start", id="1"),
        rk.BadQuantityError,
        ("runner", "nan"),
    ),
    (
        "bytes 1e40",
        lambda: S("a", "x", "egress", WHEN, 1e40, id="x"),
        rk.BadQuantityError,
        ("'x'", "1E+30"),
    ),
    (
        "bytes bool",
        lambda: S("a", "x", "egress", WHEN, True, id="x"),
        rk.RatekitTypeError,
        ("value", "bool"),
    ),
    (
        "GB with a comma",
        lambda: S("a", "c", "cache", WHEN, "1,5", kind="gauge", id="g"),
        rk.BadQuantityError,
        ("'1,5'", "decimal number"),
    ),
    (
        "allowance below zero",
        lambda: rk.Allowance("linux.minutes", -5),
        rk.BadPriceError,
        ("linux.minutes", "negative"),
    ),
    (
        "allowance NaN",
        lambda: rk.Allowance("linux.minutes", "NaN"),
        rk.BadQuantityError,
        ("Allowance quantity", "finite"),
    ),
    (
        "allowance cycle as text",
        lambda: rk.Allowance("linux.minutes", 5, cycle="yearly"),
        rk.RatekitTypeError,
        ("cycle", "rk.cycles.yearly"),
    ),
    (
        "minutes spelt in full",
        lambda: rk.Meter("m", "minutes", rk.OnOff()),
        rk.UnitError,
        ("'minutes'", "unit of time"),
    ),
    (
        "inventory close",
        lambda: rk.Inventory(WHEN, [], close="lastseen"),
        rk.BadRecordError,
        ("'lastseen'", "'last_seen'"),
    ),
    (
        "rater start naive",
        lambda: rk.Rater(STANDARD, METERS, start="2026-11-01T00:00:00"),
        rk.BadTimeError,
        ("start", "offset"),
    ),
    (
        "rater horizon negative",
        lambda: rk.Rater(STANDARD, METERS, start=NOVEMBER.start, horizon=dt.timedelta(days=-1)),
        rk.BadTimeError,
        ("horizon", "zero or more"),
    ),
    (
        "rater horizon int",
        lambda: rk.Rater(STANDARD, METERS, start=NOVEMBER.start, horizon=5),
        rk.RatekitTypeError,
        ("horizon", "timedelta"),
    ),
    (
        "rater tz misspelt",
        lambda: rk.Rater(STANDARD, METERS, start=NOVEMBER.start, tz="America/Los_Angles"),
        rk.BadCalendarError,
        ("'America/Los_Angles'", "IANA"),
    ),
    (
        "bill tz PST",
        lambda: rk.bill(rk.rate([], STANDARD, span=NOVEMBER, meters=METERS), tz="PST"),
        rk.BadCalendarError,
        ("'PST'", "IANA"),
    ),
    (
        "bill tz int",
        lambda: rk.bill(rk.rate([], STANDARD, span=NOVEMBER, meters=METERS), tz=-8),
        rk.RatekitTypeError,
        ("tz", "int"),
    ),
    ("feed text", lambda: fresh().feed("START"), rk.RatekitTypeError, ("Rater.feed", "str")),
    (
        "feed a webhook dict",
        lambda: fresh().feed([{"account": "a"}]),
        rk.RatekitTypeError,
        ("dict", "records[0]"),
    ),
    ("feed None", lambda: fresh().feed(None), rk.RatekitTypeError, ("Rater.feed", "NoneType")),
    (
        "restore garbage",
        lambda: rk.Rater.restore({"a": 1}, STANDARD, METERS),
        rk.BadSnapshotError,
        ("Rater.restore", "'ratekit.Rater'"),
    ),
    (
        "statement naive",
        lambda: fresh().statement("2026-11-02T00:00:00"),
        rk.BadTimeError,
        ("as_of", "offset"),
    ),
    (
        "statement before start",
        lambda: fresh().statement("2026-10-02T00:00:00Z"),
        rk.BadTimeError,
        ("as_of", "before the start"),
    ),
    (
        "focus without provider",
        lambda: rk.focus_rows(rk.rate([], STANDARD, span=NOVEMBER, meters=METERS), provider=None),
        rk.RatekitTypeError,
        ("provider", "non-empty string"),
    ),
    (
        "compare no candidate",
        lambda: rk.compare_plans([], {}, span=NOVEMBER, meters=METERS),
        rk.RatekitTypeError,
        ("compare_plans", "candidate"),
    ),
    (
        "compare a plan's name",
        lambda: rk.compare_plans([], {"a": "std"}, span=NOVEMBER, meters=METERS),
        rk.RatekitTypeError,
        ("candidate 'a'", "Plan"),
    ),
]


@pytest.mark.parametrize(("name", "call", "error", "words"), CASES, ids=[case[0] for case in CASES])
def test_each_slip_is_refused_by_name(
    name: str, call: Callable[[], object], error: type[rk.RatekitError], words: tuple[str, ...]
) -> None:
    with pytest.raises(error) as caught:
        call()
    for word in words:
        assert word in str(caught.value), (name, str(caught.value))


def test_a_float_price_and_allowance_are_read_through_their_repr() -> None:
    allowance = rk.Allowance("linux.minutes", 2000.5)
    assert allowance.quantity == Decimal("2000.5")
    assert rk.PerUnit(0.008).amount(1000) == Decimal("8.000")
