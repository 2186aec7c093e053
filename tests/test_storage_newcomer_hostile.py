"""Garbage from an object-storage provider's message queue, at the doors a newcomer uses.

Each bad value must raise a ``RatekitError`` whose message names the record or field
and what would be accepted; good-but-odd values (unicode ids, numeric strings) go
through. Checked: bucket sizes as event attributes (metered by a ``Continuous`` meter),
request counters and egress deltas as samples, tuples of a ``RecordBatch``, the
rater's ``feed``, ``statement`` and ``restore``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
STORAGE = rk.Meter("storage", "GB*hour", rk.Continuous("size", unit="GB"))
REQUESTS = rk.Meter("requests", "request", rk.Counter())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = [STORAGE, REQUESTS, EGRESS]
PLAN = rk.Plan(
    "object",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry("st", "storage", rk.PerUnit("0.0012"), unit="GB*day"),
        rk.PriceEntry("rq", "requests", rk.PerUnit("0.0000004")),
        rk.PriceEntry("cdn", "egress", rk.PerUnit("0.09")),
    ],
)
APRIL_1_US = 1_775_001_600_000_000  # 2026-04-01T00:00:00Z in microseconds


def _bucket_day(size: object) -> list[tuple[Decimal, Decimal]]:
    """Charges of a bucket of ``size`` GB held for one day (24 h = 1 GB*day per GB)."""
    records = [
        rk.Event("acme", "b1", "2026-04-01T00:00:00Z", {"size": size}, kind="start", id="e1"),
        rk.Event("acme", "b1", "2026-04-02T00:00:00Z", kind="delete", id="e2"),
    ]
    rating = rk.rate(records, PLAN, span=APRIL, meters=METERS, as_of=APRIL.end)
    return [(charge.quantity, charge.amount) for charge in rating.charges]


@pytest.mark.parametrize(
    ("size", "error", "words"),
    [
        (-5, rk.BadRecordError, ["'size' is -5", "must be a number >= 0"]),
        ("100 GB", rk.BadQuantityError, ["'100 GB' is not a decimal number", "like '12.5'"]),
        ("NaN", rk.BadQuantityError, ["'size' must be a finite number", "'NaN'"]),
        (True, rk.BadRecordError, ["'size' is True, not a number", "a level is read from numbers"]),
        ({"v": 1}, rk.BadRecordError, ["'size' is {'v': 1}, not a number"]),
        (
            " 100 ",
            rk.BadQuantityError,
            ["' 100 ' is not written plainly", "plain ASCII decimal text"],
        ),
        (
            "\u0661\u0660\u0660",
            rk.BadQuantityError,
            ["is not written plainly", "other scripts' digits"],
        ),
    ],
)
def test_a_bad_bucket_size_is_refused_naming_the_record(
    size: object, error: type, words: list[str]
) -> None:
    with pytest.raises(error) as raised:
        _bucket_day(size)
    message = str(raised.value)
    assert "resource 'b1' of 'acme'" in message
    assert "record 'e1'" in message
    for word in words:
        assert word in message
    assert len(message) < 500


def test_a_size_in_plain_text_is_a_number() -> None:
    # 100 GB for 24 h = 100 GB*day x 0.0012 = 0.12; 1e3 GB: 1.20
    assert _bucket_day("100") == [(Decimal(100), Decimal("0.12"))]
    assert _bucket_day("1e3") == [(Decimal(1000), Decimal("1.2"))]


def test_a_bucket_without_a_size_accrues_nothing_as_documented() -> None:
    # docs/usage.md: "A path that leads nowhere is a missing attribute: the level accrues nothing."
    assert _bucket_day(None) == []


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        ("NaN", rk.BadQuantityError, ["must be a finite number, not 'NaN'"]),
        (float("inf"), rk.BadQuantityError, ["must be a finite number, not inf"]),
        ("12 GB", rk.BadQuantityError, ["'12 GB' is not a decimal number"]),
        (None, rk.RatekitTypeError, ["must be a number (int, str, Decimal or float)", "NoneType"]),
        (True, rk.RatekitTypeError, ["must be a number", "bool"]),
        (10**400, rk.BadQuantityError, ["at most 60 significant digits"]),
        ("1e999999999", rk.BadQuantityError, ["up to but excluding 1E+30"]),
    ],
)
def test_a_bad_sample_value_is_refused(value: object, error: type, words: list[str]) -> None:
    with pytest.raises(error) as raised:
        rk.Sample("acme", "edge", "egress", "2026-04-02T00:00:00Z", value, id="d1")
    message = str(raised.value)
    assert "sample 'd1' value" in message
    for word in words:
        assert word in message
    assert len(message) < 500


def test_a_negative_counter_reading_is_refused_everywhere() -> None:
    with pytest.raises(rk.BadRecordError, match="negative counter reading"):
        rk.Sample("acme", "n1", "requests", "2026-04-02T00:00:00Z", -5, kind="counter", id="c1")
    with pytest.raises(
        rk.BadRecordError, match=r"samples\[0\] \(id 'c1'\): value -1 is a negative counter"
    ):
        rk.RecordBatch.from_tuples(
            samples=[("acme", "n1", "requests", APRIL_1_US, -1, "counter", "c1")]
        )


@pytest.mark.parametrize(
    ("sample", "error", "words"),
    [
        (
            ("acme", "n1", "egress", APRIL_1_US),
            rk.RatekitTypeError,
            ["has 4 fields", "from 5 to 8 fields"],
        ),
        (
            ("acme", "n1", "egress", APRIL_1_US, float("nan")),
            rk.BadQuantityError,
            ["not nan", "dropna"],
        ),
        (
            ("acme", "n1", "egress", 1.7e15, 1),
            rk.RatekitTypeError,
            ["at_us is float", "an int of microseconds"],
        ),
        (("acme", "n1", "egress", 10**30, 1), rk.BadTimeError, ["an instant lies from"]),
        ((None, "n1", "egress", APRIL_1_US, 1), rk.RatekitTypeError, ["account is NoneType None"]),
    ],
)
def test_a_bad_tuple_is_refused_naming_it(
    sample: tuple[object, ...], error: type, words: list[str]
) -> None:
    with pytest.raises(error) as raised:
        rk.RecordBatch.from_tuples(samples=[sample])
    message = str(raised.value)
    assert message.startswith("samples[0]")
    for word in words:
        assert word in message


def test_unicode_ids_go_through_and_a_surrogate_is_refused() -> None:
    odd = rk.Sample("bücket-ñ", "嘉义", "egress", "2026-04-02T00:00:00Z", 3, id="d-é")
    rating = rk.rate([odd], PLAN, span=APRIL, meters=METERS, as_of=APRIL.end)
    [charge] = rating.charges
    assert (charge.account, charge.resource, charge.amount) == (
        "bücket-ñ",
        "嘉义",
        Decimal("0.27"),
    )  # 3 x 0.09
    with pytest.raises(rk.RatekitTypeError, match="surrogate code point"):
        rk.Sample("acme\ud800", "edge", "egress", "2026-04-02T00:00:00Z", 3, id="d2")


def test_a_long_id_is_cut_short_in_a_conflict_message() -> None:
    long_id = "x" * 1_000_000
    first = rk.Sample("acme", "edge", "egress", "2026-04-02T00:00:00Z", 5, id=long_id)
    second = rk.Sample("acme", "edge", "egress", "2026-04-02T00:00:00Z", 6, id=long_id)
    with pytest.raises(rk.ConflictingRecordError) as raised:
        rk.rate([first, second], PLAN, span=APRIL, meters=METERS)
    assert len(str(raised.value)) < 2_000


def _rater() -> rk.Rater:
    return rk.Rater(PLAN, METERS, start=APRIL.start, horizon=dt.timedelta(days=1))


@pytest.mark.parametrize(
    "batch", [None, "abc", {"a": 1}, rk.Sample("a", "n", "egress", "2026-04-02T00:00:00Z", 1)]
)
def test_feed_refuses_what_is_not_a_list_of_records(batch: object) -> None:
    with pytest.raises(
        rk.RatekitTypeError, match=r"Rater\.feed takes an iterable of Event, Sample and Inventory"
    ):
        _rater().feed(batch)  # type: ignore[arg-type]


def test_feed_refuses_a_none_in_the_batch_and_takes_nothing() -> None:
    rater = _rater()
    before = rater.snapshot()
    good = rk.Sample("acme", "edge", "egress", "2026-04-02T00:00:00Z", 1, id="d1")
    with pytest.raises(
        rk.RatekitTypeError, match=r"not NoneType: None \(records\[1\] of the batch\)"
    ):
        rater.feed([good, None])  # type: ignore[list-item]
    assert rater.snapshot() == before


@pytest.mark.parametrize(
    ("as_of", "error", "words"),
    [
        ("2026-04-03T00:00:00", rk.BadTimeError, ["has no UTC offset"]),
        (None, rk.RatekitTypeError, ["must be an aware datetime or an ISO-8601 string"]),
        (5, rk.RatekitTypeError, ["for an epoch time n"]),
        ("2026-03-03T00:00:00Z", rk.BadTimeError, ["goes back before the start"]),
    ],
)
def test_statement_refuses_a_bad_watermark(as_of: object, error: type, words: list[str]) -> None:
    with pytest.raises(error) as raised:
        _rater().statement(as_of)  # type: ignore[arg-type]
    for word in words:
        assert word in str(raised.value)


def test_restore_refuses_damaged_snapshots() -> None:
    rater = _rater()
    rater.feed([rk.Sample("acme", "edge", "egress", "2026-04-02T00:00:00Z", 1, id="d1")])
    rater.statement("2026-04-03T00:00:00Z")
    saved = json.loads(json.dumps(rater.snapshot()))
    for garbage in ([], None, "{}"):
        with pytest.raises(rk.BadSnapshotError, match=r"needs what Rater\.snapshot"):
            rk.Rater.restore(garbage, PLAN, METERS)  # type: ignore[arg-type]
    edited = json.loads(json.dumps(saved))
    edited["body"] = {"x": [1, 2]}
    with pytest.raises(
        rk.BadSnapshotError, match=r"has unknown keys 'x'.*restore an unaltered copy"
    ):
        rk.Rater.restore(edited, PLAN, METERS)
    edited = json.loads(json.dumps(saved))
    edited["checksum"] = "0" * 64
    with pytest.raises(rk.BadSnapshotError, match="altered or damaged"):
        rk.Rater.restore(edited, PLAN, METERS)
    with pytest.raises(rk.BadSnapshotError, match="other plans or meters"):
        rk.Rater.restore(saved, PLAN, METERS[:2])
    restored = rk.Rater.restore(saved, PLAN, METERS)
    assert restored.snapshot() == rater.snapshot()


def test_a_month_unit_is_refused_with_the_reason() -> None:
    with pytest.raises(rk.UnitError, match="a month or a year has no fixed length"):
        rk.convert(1, "GB*hour", "GB*month")
