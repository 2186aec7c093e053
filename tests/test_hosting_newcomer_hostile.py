"""Hostile input at a managed database host's doors: bad instants, wrong types, NaN and
infinities, negative gauges, a huge batch, snapshots edited or truncated, and a restore
into a rater with other plans. Each refusal is a ``RatekitError`` whose message says what
was wrong and what would be accepted; nothing else escapes, and a refused call leaves the
rater as it was."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from fractions import Fraction
from typing import Any

import pytest
from tests._hosting_fleet import (
    HORIZON,
    METERS,
    NOVEMBER,
    OCTOBER,
    PRO,
    STARTER,
    assignments,
    line_sums,
    records,
    starter_plan,
    stream,
)

import ratekit as rk


def _rater() -> rk.Rater:
    return rk.Rater(assignments(), METERS, start=OCTOBER.start, horizon=HORIZON, tz="Europe/Berlin")


@pytest.mark.parametrize(
    ("at", "error", "says"),
    [
        (dt.datetime(2026, 10, 5), rk.BadTimeError, "naive datetime"),  # noqa: DTZ001 - the naive instant is the test
        ("yesterday", rk.BadTimeError, "write it as RFC 3339"),
        ("2026-10-05T24:00:00Z", rk.BadTimeError, "no such date or time"),
        ("2026-12-31T23:59:60Z", rk.BadTimeError, "leap second"),
        ("2026-10-05T00:00:00+25:00", rk.BadTimeError, "an offset is less than 24 hours"),
        (1790000000, rk.RatekitTypeError, "for an epoch time n, give datetime(1970, 1, 1"),
        (None, rk.RatekitTypeError, "must be an aware datetime or an ISO-8601 string"),
    ],
)
def test_a_bad_timestamp_is_refused_naming_the_record(
    at: Any, error: type[Exception], says: str
) -> None:
    with pytest.raises(error) as raised:
        rk.Event("alpha", "db-a1", at, {"size": "small"}, kind="start", id="bad-at")
    assert isinstance(raised.value, rk.RatekitError)
    assert "'bad-at'" in str(raised.value)
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("value", "error", "says"),
    [
        (float("nan"), rk.BadQuantityError, "must be a finite number, not nan"),
        (float("inf"), rk.BadQuantityError, "must be a finite number, not inf"),
        ("NaN", rk.BadQuantityError, "must be a finite number, not 'NaN'"),
        ("-Infinity", rk.BadQuantityError, "must be a finite number, not '-Infinity'"),
        (decimal.Decimal("sNaN"), rk.BadQuantityError, "must be a finite number"),
        ("lots", rk.BadQuantityError, "write it like '12.5' or '1e9'"),
        (True, rk.RatekitTypeError, "must be a number (int, str, Decimal or float), not bool"),
        ([30], rk.RatekitTypeError, "not list"),
        (b"30", rk.RatekitTypeError, "not bytes"),
        (Fraction(1, 3), rk.RatekitTypeError, "not Fraction"),
    ],
)
def test_a_storage_reading_that_is_no_finite_number_is_refused(
    value: Any, error: type[Exception], says: str
) -> None:
    with pytest.raises(error) as raised:
        rk.Sample(
            "alpha", "db-a1", "storage", "2026-10-05T00:00:00Z", value, kind="gauge", id="bad-gb"
        )
    assert "sample 'bad-gb'" in str(raised.value)
    assert says in str(raised.value)


def test_a_size_attribute_of_nan_is_refused_naming_the_attribute() -> None:
    with pytest.raises(
        rk.BadQuantityError, match=r"event 'e-nan' attribute 'size' is nan, not a finite number"
    ):
        rk.Event(
            "alpha",
            "db-a1",
            "2026-10-05T00:00:00Z",
            {"size": float("nan")},
            kind="start",
            id="e-nan",
        )


def test_a_negative_iops_reading_is_refused_but_a_reset_to_a_lower_one_is_taken() -> None:
    with pytest.raises(
        rk.BadRecordError, match=r"sample 'io-1' value -5 is a negative counter reading"
    ):
        rk.Sample("alpha", "db-a1", "iops", "2026-10-05T00:00:00Z", -5, kind="counter", id="io-1")


def test_a_negative_storage_gauge_is_a_level_like_any_other_and_nets_as_a_credit() -> None:
    # docs/usage.md: a mean's levels may be of both signs. -50 GB from 1 Oct 00:00 UTC
    # (743 of October's 745 h) and a backup peak of -7 GB: the host must check its gauges.
    negative = [
        rk.Sample("alpha", "db-x", "storage", "2026-10-01T00:00:00Z", -50, kind="gauge", id="n1"),
        rk.Sample("alpha", "db-x", "backup", "2026-10-02T00:00:00Z", -7, kind="gauge", id="n2"),
    ]
    invoice = rk.bill(
        rk.rate(negative, [rk.Assignment("alpha", STARTER)], span=OCTOBER, meters=METERS)
    )[0]
    lines = {line.label: line.amount for line in invoice.lines}
    # storage: -50 x 743/745 x 0.10 = -4.9866 -> -4.99; backup: -7 x 0.05 = -0.35;
    # the 10 commitment tops up 10 - (-4.99 - 0.35) = 15.34; support 15
    assert lines == {
        "backup · backup": decimal.Decimal("-0.35"),
        "storage · storage": decimal.Decimal("-4.99"),
        "fee · support": decimal.Decimal("15.00"),
        "minimum commitment": decimal.Decimal("15.34"),
    }
    assert invoice.total == decimal.Decimal("25.00")


@pytest.mark.parametrize(
    ("batch", "says"),
    [
        ([{"account": "alpha"}], "Rater.feed takes Event, Sample and Inventory records, not dict"),
        ("db-a1", "Rater.feed takes an iterable of Event, Sample and Inventory records, not str"),
        (None, "not NoneType"),
        (5, "not int"),
    ],
)
def test_a_batch_that_is_no_list_of_records_is_refused(batch: Any, says: str) -> None:
    rater = _rater()
    with pytest.raises(rk.RatekitTypeError) as raised:
        rater.feed(batch)
    assert says in str(raised.value)


def test_a_queue_consumer_whose_generator_raises_gets_a_ratekit_error_and_an_unchanged_rater() -> (
    None
):
    rater = _rater()
    before = rater.snapshot()

    def consumer() -> Any:
        yield records()[0]
        raise ConnectionError("broker went away")

    with pytest.raises(
        rk.RatekitTypeError, match=r"its generator raised ConnectionError: broker went away"
    ):
        rater.feed(consumer())
    assert rater.snapshot() == before


@pytest.mark.parametrize(
    ("record", "error", "says"),
    [
        (
            rk.Sample("alpha", "db-a1", "iops", "2026-10-05T00:00:00Z", 5, kind="gauge", id="x1"),
            rk.BadRecordError,
            "kind 'gauge' does not fit meter 'iops', whose policy takes 'counter'",
        ),
        (
            rk.Sample(
                "alpha", "db-a1", "storage", "2026-10-05T00:00:00Z", 5, kind="counter", id="x2"
            ),
            rk.BadRecordError,
            "kind 'counter' does not fit meter 'storage', whose policy takes 'delta', 'gauge'",
        ),
        (
            rk.Sample("alpha", "db-a1", "cpu", "2026-10-05T00:00:00Z", 5, id="x3"),
            rk.UnknownMeterError,
            "meter 'cpu' is not one of the meters given: 'backup', 'instance.hours', 'iops', 'storage'",
        ),
        (
            rk.Event(
                "zeta", "db-z", "2026-10-05T00:00:00Z", {"size": "small"}, kind="start", id="x4"
            ),
            rk.UnpricedUsageError,
            "is for account 'zeta', which no assignment of this rater names",
        ),
        (
            rk.Event(
                "alpha", "db-a9", "2026-10-05T00:00:00Z", {"size": "xxl"}, kind="start", id="x5"
            ),
            rk.UnpricedUsageError,
            "has no price in plan 'starter'",
        ),
    ],
)
def test_a_record_the_rater_could_never_price_refuses_its_batch(
    record: rk.Record, error: type[Exception], says: str
) -> None:
    rater = _rater()
    before = rater.snapshot()
    with pytest.raises(error) as raised:
        rater.feed([records()[0], record])
    assert "records[1]" in str(raised.value)
    assert says in str(raised.value)
    assert rater.snapshot() == before


def test_a_replay_with_other_content_is_conflicting_and_the_first_version_stands() -> None:
    rater = _rater()
    first = records()[0]  # a1: db-a1 starts small
    assert rater.feed([first]).accepted == ("a1",)
    other = rk.Event("alpha", "db-a1", first.at, {"size": "large"}, kind="start", id="a1")
    assert rater.feed([other]).conflicting == ("a1",)
    assert rater.feed([first]).duplicates == ("a1",)
    lines = rater.statement("2026-10-03T12:00:00Z").lines
    assert [(line.entry, line.quantity) for line in lines if line.meter == "instance.hours"] == [
        ("hours-small", 2)
    ]


@pytest.mark.parametrize(
    ("as_of", "error", "says"),
    [
        ("2026-10-05T00:00:00", rk.BadTimeError, "has no UTC offset; ratekit compares instants"),
        ("soon", rk.BadTimeError, "is not an instant ratekit reads"),
        (
            "2026-09-01T00:00:00Z",
            rk.BadTimeError,
            "goes back before the last watermark",
        ),
        (
            "2026-10-05T00:00:00Z",
            rk.BadTimeError,
            "goes back before the last watermark 2026-10-06T00:00:00Z",
        ),
        ("3026-09-01T00:00:00Z", rk.BadTimeError, "would close more than 10,000 cycles at once"),
        (5, rk.RatekitTypeError, "must be an aware datetime or an ISO-8601 string"),
    ],
)
def test_a_bad_watermark_is_refused_and_changes_nothing(
    as_of: Any, error: type[Exception], says: str
) -> None:
    rater = _rater()
    rater.feed(records())
    rater.statement("2026-10-06T00:00:00Z")
    before = rater.snapshot()
    with pytest.raises(error) as raised:
        rater.statement(as_of)
    assert says in str(raised.value)
    assert rater.snapshot() == before


def test_watermarks_in_the_hour_the_clocks_go_back_are_instants() -> None:
    # 02:30 happens twice in Berlin on 25 October: as +02:00, then as +01:00
    rater = _rater()
    rater.feed(records())
    first = rater.statement("2026-10-25T02:30:00+02:00")
    second = rater.statement("2026-10-25T02:30:00+01:00")
    assert second.as_of - first.as_of == dt.timedelta(hours=1)
    # one hour more of each running instance: gamma, delta, epsilon, alpha
    assert sorted(
        (line.account, line.quantity) for line in second.lines if line.meter == "instance.hours"
    ) == [
        ("alpha", 1),
        ("beta", 1),
        ("delta", 1),
        ("epsilon", 1),
        ("gamma", 1),
    ]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _saved() -> str:
    rater = _rater()
    rater.feed(
        [record for record in records() if record.at < NOVEMBER.start + dt.timedelta(days=6)]
    )
    rater.statement(NOVEMBER.start + dt.timedelta(days=6))  # October closed and kept
    return json.dumps(rater.snapshot())


@pytest.mark.heavy
def test_every_value_of_a_snapshot_edited_by_hand_is_refused() -> None:
    text = _saved()
    original = json.loads(text)
    refused = 0
    replacements = (None, -1, "x", 1.5, True, 10**30, {"k": 1}, [1])
    for index, path in enumerate(_paths(original)[1:]):
        # three of the eight kinds per value, turning: each kind meets over a third of them
        for turn in range(3):
            replacement = replacements[(3 * index + turn) % len(replacements)]
            edited = json.loads(text)
            holder = edited
            for key in path[:-1]:
                holder = holder[key]
            if holder[path[-1]] == replacement:
                continue
            holder[path[-1]] = replacement
            with pytest.raises(rk.BadSnapshotError):
                rk.Rater.restore(edited, assignments(), METERS)
            refused += 1
    assert refused > 1000


def test_a_truncated_snapshot_is_refused() -> None:
    text = _saved()
    for path in _paths(json.loads(text))[1:]:
        edited = json.loads(text)
        holder = edited
        for key in path[:-1]:
            holder = holder[key]
        item = holder[path[-1]]
        if isinstance(item, list) and item:
            del item[len(item) // 2 :]  # half of a column, a table or a list of lines lost
        elif isinstance(item, str) and len(item) > 1:
            holder[path[-1]] = item[: len(item) // 2]
        else:
            continue
        with pytest.raises(rk.BadSnapshotError):
            rk.Rater.restore(edited, assignments(), METERS)


@pytest.mark.parametrize(
    "data",
    ["{}", None, [], {"format": "ratekit.Rater"}],
)
def test_what_is_no_snapshot_is_refused(data: Any) -> None:
    with pytest.raises(
        rk.BadSnapshotError, match=r"Rater\.restore needs what Rater\.snapshot\(\) returned|version"
    ):
        rk.Rater.restore(data, assignments(), METERS)


def test_a_restore_into_a_rater_with_other_plans_is_refused_saying_what_to_restore_with() -> None:
    data = json.loads(_saved())
    cheaper = rk.Plan(
        "starter",
        "USD",
        STARTER.cycle,
        [
            rk.PriceEntry(
                "hours-small", "instance.hours", rk.PerUnit("0.01"), where={"size": "small"}
            )
        ],
    )
    others: list[Any] = [
        PRO,  # one plan for every account
        assignments()[:-1],  # an account's assignment left out
        [rk.Assignment("alpha", cheaper)],  # another plan under the same id
    ]
    for plans in others:
        with pytest.raises(rk.BadSnapshotError) as raised:
            rk.Rater.restore(data, plans, METERS)
        assert "was taken under other plans or meters" in str(raised.value)
        assert "restore it with the plans and meters it was taken with" in str(raised.value)
    with pytest.raises(rk.BadSnapshotError, match=r"other plans or meters"):
        rk.Rater.restore(data, assignments(), METERS[:-1])


def test_a_restore_with_plans_built_anew_and_meters_in_another_order_continues() -> None:
    data = json.loads(_saved())
    rebuilt = [
        rk.Assignment(assignment.account, starter_plan() if assignment.plan.id == "starter" else assignment.plan,
                      start=assignment.start, end=assignment.end)
        for assignment in assignments()
    ]  # fmt: skip
    again = rk.Rater.restore(data, rebuilt, list(reversed(METERS)))
    original = rk.Rater.restore(data, assignments(), METERS)
    later = NOVEMBER.start + dt.timedelta(days=7)
    assert again.statement(later).lines == original.statement(later).lines


@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_a_huge_batch_is_taken_and_rated_as_batch_rates_it() -> None:
    # 20,000 storage readings of 200 volumes every 5 minutes for 8 hours 20 minutes
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    many = [
        rk.Sample(
            "alpha",
            f"vol-{index % 200}",
            "storage",
            start + dt.timedelta(minutes=index // 200 * 5),
            index % 97,
            kind="gauge",
            id=f"h{index}",
        )
        for index in range(20_000)
    ]
    rater = rk.Rater(
        [rk.Assignment("alpha", STARTER)], METERS, start=OCTOBER.start, horizon=HORIZON
    )
    feed = rater.feed(many)
    assert feed.counts["accepted"] == 20_000
    as_of = "2026-10-02T00:00:00Z"
    statement = rater.statement(as_of)
    batch = rk.rate(
        many, [rk.Assignment("alpha", STARTER)], span=OCTOBER, meters=METERS, as_of=as_of
    )
    assert statement.total() == batch.total()
    assert rater.feed(many).counts["duplicates"] == 20_000


def test_a_megabyte_id_gives_messages_of_a_bounded_size() -> None:
    rater = _rater()
    rater.feed(records())
    huge = "x" * 1_000_000
    stop = rk.Event("alpha", "db-a1", "2026-10-20T06:00:00Z", kind="stop", id=huge)  # a second STOP
    assert rater.feed([stop]).accepted == (huge,)
    said = rater.statement("2026-10-21T00:00:00Z").anomalies
    anomalies = [anomaly for anomaly in said if anomaly.account == "alpha"]
    assert [anomaly.kind for anomaly in anomalies] == ["duplicate_stop"]
    assert len(anomalies[0].message) < 2_100


def test_ids_are_one_space_across_tenants_so_a_per_tenant_sequence_conflicts() -> None:
    # docs/streaming.md, exactly once: 'e1' of beta after 'e1' of alpha is conflicting and
    # not billed; a queue numbering each tenant's messages must prefix them.
    rater = _rater()
    alpha = rk.Event(
        "alpha", "db-a1", "2026-10-03T10:00:00Z", {"size": "small"}, kind="start", id="e1"
    )
    beta = rk.Event(
        "beta", "db-b1", "2026-10-12T00:00:00Z", {"size": "large"}, kind="start", id="e1"
    )
    assert rater.feed([alpha]).accepted == ("e1",)
    assert rater.feed([beta]).conflicting == ("e1",)
    prefixed = rk.Event(
        "beta", "db-b1", "2026-10-12T00:00:00Z", {"size": "large"}, kind="start", id="beta/e1"
    )
    assert rater.feed([prefixed]).accepted == ("beta/e1",)
    hours = {
        line.account: line.quantity
        for line in rater.statement("2026-10-13T00:00:00Z").lines
        if line.meter == "instance.hours"
    }
    # alpha: 3 Oct 10:00 to 13 Oct 00:00 = 230 h; beta: 24 h, once
    assert hours == {"alpha": 230, "beta": 24}


@pytest.mark.heavy
def test_the_callers_decimal_context_never_changes_the_stream() -> None:
    # five digits, rounding down, and every inexact or rounded operation trapped
    expected = line_sums(stream(2, crash=0.0, steps=(24,)))
    with decimal.localcontext() as context:
        context.prec = 5
        context.rounding = decimal.ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        context.traps[decimal.FloatOperation] = True
        assert line_sums(stream(2, crash=0.0, steps=(24,))) == expected
