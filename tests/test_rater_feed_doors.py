"""The rater refuses at the feed what would make every later statement fail.

A record stamped where no billing cycle can be computed, an inventory listing a resource
of an account no assignment names, an inventory setting a Continuous level to what no
level is: each is refused with its batch, naming the record and the field, and the
rater keeps working (a restored copy too).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._feed_law import fed_one_at_a_time, total
from tests._snapshots import version_3

import ratekit as rk
from ratekit import _snapshot

DAILY = rk.cycles.daily(tz="UTC")
MONTHLY = rk.cycles.monthly(tz="UTC")
METERS = [
    rk.Meter("vm.hours", "hour", rk.OnOff()),
    rk.Meter("mem", "GB*hour", rk.Continuous("mem")),
    rk.Meter("egress", "GB", rk.Discrete()),
]
START = "2026-03-01T00:00:00Z"


def _plan(cycle: rk.cycles.Cycle = DAILY) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        cycle,
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5")),
            rk.PriceEntry("mem", "mem", rk.PerUnit("0.25")),
            rk.PriceEntry("egress", "egress", rk.PerUnit("0.1")),
        ],
    )


def _still_works(rater: rk.Rater, as_of: str, expected: Decimal) -> None:
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), _plan(), METERS)
    assert total(rater, as_of) == expected
    assert total(restored, as_of) == expected


GOOD = rk.Event("a1", "r0", "2026-03-01T01:00:00Z", {"mem": 2}, kind="start", id="ok")


# -- 1. instants where no cycle can be computed ------------------------------------------


@pytest.mark.parametrize(
    ("record", "field", "instant"),
    [
        (
            rk.Event("a9", "r1", "9998-12-31T00:00:00Z", {"mem": 1}, kind="start", id="far"),
            "at",
            "9998-12-31T00:00:00Z",
        ),
        (
            rk.Sample("a9", "r1", "egress", "9999-12-31T23:59:59Z", 5, id="far"),
            "at",
            "9999-12-31T23:59:59Z",
        ),
        (
            rk.Inventory("9999-06-01T00:00:00Z", [("a9", "r1")], id="far"),
            "at",
            "9999-06-01T00:00:00Z",
        ),
        (
            rk.Sample(
                "a9",
                "r1",
                "egress",
                "2026-03-01T02:00:00Z",
                5,
                since="0001-06-01T00:00:00Z",
                id="far",
            ),
            "since",
            "0001-06-01T00:00:00Z",
        ),
    ],
)
def test_a_record_in_no_computable_cycle_is_refused_with_its_batch(
    record: rk.Event | rk.Sample | rk.Inventory, field: str, instant: str
) -> None:
    rater = rk.Rater(_plan(), METERS, start=START)
    with pytest.raises(rk.BadTimeError) as caught:
        rater.feed([GOOD, record])
    message = str(caught.value)
    kind = type(record).__name__.lower()
    assert message.startswith(
        f"Rater.feed: records[1]: {kind} 'far' has {field} {instant}, in no billing cycle"
    )
    assert "the batch is refused whole" in message
    assert "years 2 to 9998" in message
    # Nothing was taken; the good record alone is, and every statement works:
    # 1 h of vm (0.5) + 2 GB x 1 h of mem (0.5) = 1.0 up to 02:00.
    assert rater.feed([GOOD]).accepted == ("ok",)
    _still_works(rater, "2026-03-01T02:00:00Z", Decimal("1.0"))


def test_the_last_closable_day_is_taken_and_its_cycle_closes() -> None:
    # The daily cycle [9998-12-29, 9998-12-30) is the last one a statement can close (at a
    # watermark of 9998-12-30, before the calendars' end, 9998-12-31).
    # A rater keeping cycles from 2026 refuses it as far (about 2.9 million daily cycles
    # ahead, more than 100,000: tests/test_rater_far_records.py); one near it takes it.
    rater = rk.Rater(_plan(), METERS, start=START)
    last = rk.Sample("a9", "r1", "egress", "9998-12-29T23:59:59Z", 5, id="last")
    with pytest.raises(rk.BadTimeError, match="billing cycles after the start of the cycles"):
        rater.feed([last])
    near = rk.Rater(_plan(), METERS, start="9998-12-29T00:00:00Z")
    near.feed([last])
    (invoice,) = near.statement("9998-12-30T00:00:00Z").invoices
    assert invoice.total == Decimal("0.5")  # 5 GB x 0.1


def _unclosable(label: str, at: str, index: int) -> str:
    return (
        f"Rater.feed: records[{index}]: {label} has at {at}, in a billing cycle that no "
        "statement can close (a "
        "cycle closes at a watermark at its end plus the horizon 0:00:00, and watermarks lie "
        "within years 2 to 9998: from 0002-01-01T00:00:00Z, inclusive, to "
        "9998-12-31T00:00:00Z, exclusive), so its invoice could never be given; the batch is "
        "refused whole. Feed records whose cycle ends, plus the horizon, within that range."
    )


def test_a_record_in_a_cycle_no_statement_can_close_is_refused_naming_its_instant() -> None:
    # [9998-12-30, 9998-12-31) ends where the calendars end: the watermark that would close
    # it lies out of range, so its invoice could never be given. (This day was taken before
    # and its cycle then never closed.)
    rater = rk.Rater(_plan(), METERS, start=START)
    last = rk.Sample("a9", "r1", "egress", "9998-12-30T23:59:59Z", 5, id="last")
    with pytest.raises(rk.BadTimeError) as caught:
        rater.feed([GOOD, last])
    assert str(caught.value) == _unclosable("sample 'last'", "9998-12-30T23:59:59Z", 1)
    assert rater.feed([GOOD]).accepted == ("ok",)


def test_a_monthly_cycle_ending_in_9999_is_refused_and_the_month_before_is_taken() -> None:
    # Under monthly cycles 9998-12-15 lies in December 9998, which ends in 9999: no
    # watermark can close it (this record was taken before, and every statement from
    # 9998-12-31 on failed naming instants ratekit computed). November closes.
    # (A rater of 9998: from 2026 both lie more than 10,000 monthly cycles ahead.)
    rater = rk.Rater(_plan(MONTHLY), METERS, start="9998-01-01T00:00:00Z")
    far = rk.Event("a9", "r1", "9998-12-15T00:00:00Z", {"mem": 1}, id="far")
    with pytest.raises(rk.BadTimeError) as caught:
        rater.feed([far])
    assert str(caught.value) == _unclosable("event 'far'", "9998-12-15T00:00:00Z", 0)
    november = rk.Event("a9", "r1", "9998-11-15T00:00:00Z", {"mem": 1}, id="nov")
    assert rater.feed([november]).accepted == ("nov",)
    assert rater.statement("9998-04-01T00:00:00Z").lines == ()


def test_a_horizon_moves_the_last_closable_cycle_earlier() -> None:
    day = dt.timedelta(days=1)
    rater = rk.Rater(_plan(), METERS, start="9998-12-01T00:00:00Z", horizon=day)
    last = rk.Sample("a9", "r1", "egress", "9998-12-29T12:00:00Z", 5, id="late")
    with pytest.raises(rk.BadTimeError, match="plus the horizon 1 day, 0:00:00"):
        rater.feed([last])
    early = rk.Sample("a9", "r1", "egress", "9998-12-28T12:00:00Z", 5, id="early")
    assert rater.feed([early]).accepted == ("early",)


def test_a_start_whose_cycle_begins_before_the_calendars_is_refused_naming_the_start() -> None:
    # 0002-01-01T00:00Z is 00:34:08 in Zurich (local mean time): its day began at
    # 0001-12-31T23:25:52Z, out of range. The rater was built, then every statement failed
    # naming that computed instant.
    zurich = rk.Plan("z", "EUR", rk.cycles.daily(tz="Europe/Zurich"), [])
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Rater(zurich, METERS, start="0002-01-01T00:00:00Z")
    assert str(caught.value) == (
        "Rater start 0002-01-01T00:00:00Z is out of range: the cycle containing it must "
        "begin, and close at a watermark at its end plus the horizon 0:00:00, within the "
        "instants ratekit can rate (years 2 to 9998: from 0002-01-01T00:00:00Z, inclusive, "
        "to 9998-12-31T00:00:00Z, exclusive); give a later or earlier start."
    )
    rater = rk.Rater(zurich, METERS, start="0002-01-02T00:00:00Z")
    assert rater.statement("0002-01-05T00:00:00Z").lines == ()


def test_a_watermark_out_of_range_is_refused_naming_it() -> None:
    rater = rk.Rater(_plan(), METERS, start="9998-12-29T00:00:00Z")
    with pytest.raises(rk.BadTimeError) as caught:
        rater.statement("9999-01-02T00:00:00Z")
    assert str(caught.value) == (
        "Rater.statement as_of 9999-01-02T00:00:00Z is out of range: a statement rates the "
        "cycle containing its watermark, and watermarks lie within years 2 to 9998: from "
        "0002-01-01T00:00:00Z, inclusive, to 9998-12-31T00:00:00Z, exclusive."
    )
    assert len(rater.statement("9998-12-30T23:59:59Z").invoices) == 0


def test_batch_rate_refuses_the_same_record() -> None:
    far = rk.Event("a9", "r1", "9998-12-31T00:00:00Z", {"mem": 1}, kind="start", id="far")
    with pytest.raises(rk.BadTimeError):
        rk.rate(
            [GOOD, far],
            _plan(),
            span=rk.Span(START, "2026-03-02T00:00:00Z"),
            meters=METERS,
            as_of="2026-03-02T00:00:00Z",
        )


# -- 2. an inventory of an unassigned account --------------------------------------------


def _assigned() -> rk.Rater:
    return rk.Rater([rk.Assignment("a1", _plan())], METERS, start=START)


def test_an_inventory_listing_an_unassigned_account_is_refused() -> None:
    rater = _assigned()
    inventory = rk.Inventory("2026-03-01T01:00:00Z", [("a1", "r1"), ("zz", "r9")], id="inv")
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed([GOOD, inventory])
    assert str(caught.value) == (
        "Rater.feed: records[1]: inventory 'inv' stamped 2026-03-01T01:00:00Z lists resource "
        "'r9' of account 'zz', which no assignment of this rater names, so every statement reaching "
        "it would fail to price it (the assignments name 'a1'); the batch is refused whole. "
        "List only resources of assigned accounts, or assign the account a plan first with "
        "Rater.assign()."
    )
    assert rater.feed([GOOD]).accepted == ("ok",)
    # 1 h of vm (0.5) + 2 GB*hour of mem (0.5) = 1.0.
    assert total(rater, "2026-03-01T02:00:00Z") == Decimal("1.0")


def test_a_scope_naming_an_unassigned_account_without_listing_it_is_taken() -> None:
    # It opens and closes nothing of 'zz' (no record of 'zz' can be fed): harmless.
    rater = _assigned()
    scoped = rk.Inventory("2026-03-01T01:30:00Z", [("a1", "r0")], accounts=["a1", "zz"], id="inv")
    assert rater.feed([GOOD, scoped]).accepted == ("ok", "inv")
    # r0 runs 01:00-03:00: 2 h x 0.5 + 2 GB x 2 h x 0.25 = 1.0 + 1.0 = 2.0.
    assert total(rater, "2026-03-01T03:00:00Z") == Decimal("2.0")


# -- 3. an inventory setting a level to what no level is ----------------------------------


@pytest.mark.parametrize(
    ("value", "said", "error"),
    [
        (-3, "attribute 'mem' is -3, a negative level", rk.BadRecordError),
        ("abc", "'abc' is not a decimal number", rk.BadQuantityError),  # as metering says
        (True, "attribute 'mem' is True, not a number", rk.BadRecordError),
        ([1], "attribute 'mem' is [1], not a number", rk.BadRecordError),
    ],
)
@pytest.mark.parametrize("known", [False, True])
def test_an_inventory_setting_a_level_no_level_is_is_refused(
    value: object, said: str, error: type[rk.RatekitError], known: bool
) -> None:
    rater = rk.Rater(_plan(), METERS, start=START)
    if known:
        assert rater.feed([GOOD]).accepted == ("ok",)
    inventory = rk.Inventory("2026-03-01T01:30:00Z", {("a1", "r0"): {"mem": value}}, id="inv")
    with pytest.raises(error) as caught:
        rater.feed([inventory])
    message = str(caught.value)
    assert message.startswith(
        "Rater.feed: records[0]: inventory 'inv' stamped 2026-03-01T01:30:00Z lists resource "
        "'r0' of 'a1' with attributes that set the level of meter 'mem': "
    )
    assert said in message
    assert "the batch is refused whole" in message
    if not known:
        assert rater.feed([GOOD]).accepted == ("ok",)
    # 1 h of vm (0.5) + 2 GB*hour of mem (0.5) = 1.0: the level stays 2.
    _still_works(rater, "2026-03-01T02:00:00Z", Decimal("1.0"))


# -- the law: what the feed takes, every statement rates ---------------------------------

_INSTANTS = st.sampled_from(
    [
        "0001-01-01T00:00:00Z",
        "0002-01-01T00:00:00Z",
        "2026-03-01T00:30:00Z",
        "2026-03-01T05:00:00Z",
        "9998-12-30T12:00:00Z",
        "9998-12-31T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ]
)
_LEVELS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from(["abc", "NaN", "-1", "1e3", True, None, [1], {"x": 1}, Decimal("0.5")]),
)


@st.composite
def _records(draw: st.DrawFn) -> rk.Event | rk.Sample | rk.Inventory:
    at = draw(_INSTANTS)
    account = draw(st.sampled_from(["a1", "zz"]))
    kind = draw(st.sampled_from(["event", "sample", "delta", "inventory"]))
    if kind == "event":
        return rk.Event(account, "r", at, {"mem": draw(_LEVELS)}, kind="start")
    if kind == "inventory":
        return rk.Inventory(at, {(account, "r"): {"mem": draw(_LEVELS)}})
    since = draw(_INSTANTS) if kind == "delta" else None
    if since is not None and since > at:
        since, at = at, since
    return rk.Sample(account, "r", "egress", at, draw(st.integers(0, 9)), since=since)


@settings(deadline=None, max_examples=LAWS)
@given(
    st.lists(_records(), min_size=1, max_size=4),
    st.booleans(),
    st.sampled_from([DAILY, MONTHLY, rk.cycles.weekly(tz="Europe/Zurich", weekday=0)]),
)
def test_what_the_feed_takes_every_statement_rates(
    records: list[rk.Event | rk.Sample | rk.Inventory], assigned: bool, cycle: rk.cycles.Cycle
) -> None:
    plans = [rk.Assignment("a1", _plan(cycle))] if assigned else _plan(cycle)
    rater = rk.Rater(plans, METERS, start=START)
    for record in records:
        try:
            rater.feed([record])
        except rk.RatekitError:
            continue
    for as_of in ("2026-03-01T01:00:00Z", "2026-03-03T00:00:00Z"):
        rater.statement(as_of)
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, METERS)
    restored.statement("2026-04-04T00:00:00Z")


# -- 5. restore refuses what the feed refuses ---------------------------------------------


def _resealed(data: dict[str, Any]) -> dict[str, Any]:
    """A snapshot altered by hand, its checksum recomputed (anyone can)."""
    data = {key: value for key, value in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)
    return data


def _taken() -> dict[str, Any]:
    rater = rk.Rater(_plan(), METERS, start=START)
    sample = rk.Sample("a1", "r0", "egress", "2026-03-01T01:30:00Z", 4, id="s1")
    rater.feed([GOOD, sample])
    rater.statement("2026-03-01T02:00:00Z")
    data: dict[str, Any] = json.loads(json.dumps(rater.snapshot()))
    return data


def _attributes(data: dict[str, Any]) -> dict[str, Any]:
    """The attributes of the one kept event (version 2 writes each mapping once, in a table)."""
    (attributes,) = data["body"]["by_resource"]["attributes"]
    assert isinstance(attributes, dict)
    return attributes


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (-5, "attribute 'mem' is -5, a negative level"),
        ("NaN", "attribute 'mem' must be a finite number, not 'NaN'"),
        ("\uff12", "attribute 'mem' '\uff12' is not written plainly"),
    ],
)
def test_restore_refuses_a_kept_level_the_feed_refuses(value: object, said: str) -> None:
    data = _taken()
    _attributes(data)["mem"] = value
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), _plan(), METERS)
    message = str(caught.value)
    assert said in message
    assert message.endswith(("restore an unaltered copy.", "Restore an unaltered copy."))


def test_restore_says_which_record_the_feed_refuses() -> None:
    data = _taken()
    _attributes(data)["mem"] = -5
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), _plan(), METERS)
    assert str(caught.value).startswith(
        "Rater snapshot keeps a record that the feed refuses: event 'ok' (start) stamped "
        "2026-03-01T01:00:00Z for resource 'r0' of 'a1' sets the level of meter 'mem': "
        "attribute 'mem' is -5, a negative level;"
    )


@pytest.mark.parametrize("total", ["1e999999", " 4 ", "NaN", "4_0", "\u0664"])
def test_restore_refuses_a_reported_total_no_statement_could_have_written(total: str) -> None:
    data = version_3(_taken())  # its columns as lists, to write a total as text
    data["body"]["reported"]["lines"][0][-1] = total
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), _plan(), METERS)
    assert str(caught.value) == (
        f"Rater snapshot reported total {total!r} is not a plain decimal string (ASCII digits, "
        "no spaces) of at most 1000 characters with, unless zero, a magnitude from 1E-400 up "
        "to but excluding 1E+120 (what sums of amounts reach); restore an unaltered copy."
    )


def test_restore_refuses_a_sample_value_written_with_spaces() -> None:
    data = version_3(_taken())  # its columns as lists, to write a value as text
    (group,) = data["body"]["by_resource"]["groups"]
    values = group[5]  # the samples' values, in order
    assert values == ["4"]
    values[0] = " 4 "
    with pytest.raises(rk.BadSnapshotError, match=r"' 4 ' is not written plainly"):
        rk.Rater.restore(_resealed(data), _plan(), METERS)


def test_an_unaltered_snapshot_is_restored() -> None:
    rater = rk.Rater.restore(_taken(), _plan(), METERS)
    # The statement at 02:00 said 01:00-02:00: 0.5 (vm) + 2 GB x 1 h x 0.25 (mem) + 4 GB
    # x 0.1 (egress) = 1.4; the restored rater goes on with 02:00-03:00: 0.5 + 0.5 = 1.0.
    assert total(rater, "2026-03-01T03:00:00Z") == Decimal("1.0")


# -- 6. numbers as text: plain ASCII decimal only, at every door --------------------------

NOT_PLAIN = ["\u0661\u0662", "\uff11\uff12", "1_000", " 4 "]


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_the_feed_refuses_a_level_written_not_plainly(text: str) -> None:
    rater = rk.Rater(_plan(), METERS, start=START)
    event = rk.Event("a1", "r0", "2026-03-01T01:00:00Z", {"mem": text}, id="e")
    with pytest.raises(rk.BadQuantityError) as caught:  # as batch metering refuses it
        rater.feed([event])
    assert f"attribute 'mem' {text!r} is not written plainly: write it in plain ASCII" in str(
        caught.value
    )


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_records_batches_and_prices_refuse_numbers_written_not_plainly(text: str) -> None:
    plain = "write it in plain ASCII decimal text, like '12.5', '-3' or '1e9'"
    with pytest.raises(rk.BadQuantityError, match=plain):
        rk.Sample("a1", "r0", "egress", "2026-03-01T01:00:00Z", text, id="s")
    with pytest.raises(rk.BadPriceError, match=plain):
        rk.PerUnit(text)
    with pytest.raises(rk.RatekitError, match=plain):
        rk.RecordBatch.from_columns(
            samples={
                "account": ["a1"],
                "resource": ["r0"],
                "meter": ["egress"],
                "at_us": [1772326800000000],
                "value": [text],
            }
        )


# -- 4. a cycle's quantity beyond what its price takes --------------------------------------

TIERED = rk.Graduated([rk.Tier(50, "0"), rk.Tier(None, "0.09")])
EGRESS = [rk.Meter("egress", "GB", rk.Discrete())]


def _egress_plan(price: rk.PriceModel) -> rk.Plan:
    return rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("e", "egress", price)])


def _delta(resource: str, at: str, value: str, record_id: str, account: str = "a1") -> rk.Sample:
    return rk.Sample(account, resource, "egress", at, value, id=record_id)


#: How the door ends its words on 1.8E+30 that tiers cannot take (rating's own, then its).
_BEYOND_TIERS = (
    f"Graduated quantity Decimal('{18 * 10**29}') lies outside the numbers ratekit "
    "represents exactly: give at most 60 significant digits and, unless zero, a magnitude "
    "from 1E-30 up to but excluding 1E+30. The batch is refused whole; fix or drop the "
    "samples and feed the batch again."
)


def test_the_delta_that_brings_a_cycle_past_what_tiers_take_is_refused() -> None:
    rater = rk.Rater(_egress_plan(TIERED), EGRESS, start=START)
    first = _delta("r1", "2026-03-01T01:00:00Z", "9e29", "s1")
    assert rater.feed([first]).accepted == ("s1",)
    second = _delta("r2", "2026-03-01T02:00:00Z", "9e29", "s2")
    with pytest.raises(rk.BadQuantityError) as caught:
        rater.feed([second])
    # The door rates what the batch would make, as a statement would: rating's words.
    assert str(caught.value) == (
        "Rater.feed: records[0]: the samples of account 'a1' (the batch's first: sample 's2' "
        "of meter "
        "'egress' stamped 2026-03-01T02:00:00Z) would make every statement fail to price "
        "them: price entry 'e' of plan 'p' cannot price "
        f"{18 * 10**29} GB of meter 'egress' for account 'a1' in the cycle "
        "2026-03-01T00:00:00Z..2026-03-02T00:00:00Z (reached by "
        f"{9 * 10**29} GB of resource 'r2', records ['s2'], over "
        "2026-03-01T00:00:00Z..2026-03-02T00:00:00Z): " + _BEYOND_TIERS
    )
    # Batch rating refuses the same records.
    day = rk.Span(START, "2026-03-02T00:00:00Z")
    with pytest.raises(rk.BadQuantityError):
        rk.rate([first, second], _egress_plan(TIERED), span=day, meters=EGRESS)
    # The same delta the next day is taken: (9E+29 - 50) x 0.09 on each day.
    assert rater.feed([_delta("r2", "2026-03-02T02:00:00Z", "9e29", "s3")]).accepted == ("s3",)
    lines = rater.statement("2026-03-03T00:00:00Z").lines
    assert (
        sorted(line.amount for line in lines)
        == [Decimal("8.099999999999999999999999999550E+28")] * 2
    )


def test_per_unit_prices_each_row_and_takes_the_same_deltas() -> None:
    # PerUnit prices each usage row (each below 1E+30): nothing sums the cycle, and batch
    # rating takes the records too. 2 x 9E+29 x 0.09 = 1.62E+29.
    records = [
        _delta("r1", "2026-03-01T01:00:00Z", "9e29", "s1"),
        _delta("r2", "2026-03-01T02:00:00Z", "9e29", "s2"),
    ]
    rater = rk.Rater(_egress_plan(rk.PerUnit("0.09")), EGRESS, start=START)
    assert rater.feed(records).accepted == ("s1", "s2")
    assert total(rater, "2026-03-02T00:00:00Z") == Decimal("1.62E+29")


_BIG = st.sampled_from(["9e29", "5e29", "1e29", "3"])  # a negative total: see streaming.md


@settings(deadline=None, max_examples=LAWS)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a1", "a2"]),
            st.sampled_from(
                ["2026-03-01T01:00:00Z", "2026-03-01T23:00:00Z", "2026-03-02T05:00:00Z"]
            ),
            _BIG,
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_feed_and_batch_agree_on_which_sums_they_take(
    deltas: list[tuple[str, str, str]], tiered: bool
) -> None:
    plan = _egress_plan(TIERED if tiered else rk.PerUnit("0.09"))
    records = [
        _delta(f"r{index}", at, value, f"s{index}", account)
        for index, (account, at, value) in enumerate(deltas)
    ]
    fed_one_at_a_time(records, plan, EGRESS)


CPU = [rk.Meter("cpu", "s", rk.Counter())]
USERS = [rk.Meter("users", "user", rk.Max())]


def _read_plan(meter: str, price: rk.PriceModel) -> rk.Plan:
    return rk.Plan("p", "EUR", DAILY, [rk.PriceEntry(meter, meter, price)])


def _reading(
    at: str, value: str, record_id: str, resource: str = "nic", account: str = "a1"
) -> rk.Sample:
    return rk.Sample(account, resource, "cpu", at, value, kind="counter", id=record_id)


def test_counter_readings_whose_increments_pass_what_tiers_take_are_refused() -> None:
    # 0, 9E+29, reset to 0, 9E+29 on 1 March: the increments add up to 1.8E+30, which no
    # tiered price takes; once taken, no reading could lower them and every statement
    # would fail. Refused whole, as batch rating refuses them.
    plan = _read_plan("cpu", rk.Graduated([rk.Tier(None, "0.01")]))
    rater = rk.Rater(plan, CPU, start=START)
    readings = [
        _reading(f"2026-03-01T{hour:02}:00:00Z", value, f"c{hour}")
        for hour, value in ((1, "0"), (2, "9E+29"), (3, "0"), (4, "9E+29"))
    ]
    with pytest.raises(rk.BadQuantityError) as caught:
        rater.feed(readings)
    assert str(caught.value) == (
        "Rater.feed: records[0]: the samples of account 'a1' (the batch's first: sample 'c1' "
        "of meter "
        "'cpu' stamped 2026-03-01T01:00:00Z) would make every statement fail to price them: "
        f"price entry 'cpu' of plan 'p' cannot price {18 * 10**29} s of meter 'cpu' for "
        "account 'a1' in the cycle 2026-03-01T00:00:00Z..2026-03-02T00:00:00Z (reached by "
        f"{18 * 10**29} s of resource 'nic', records ['c1', 'c2', 'c3', 'c4'], over "
        "2026-03-01T00:00:00Z..2026-03-02T00:00:00Z): " + _BEYOND_TIERS
    )
    day = rk.Span(START, "2026-03-02T00:00:00Z")
    with pytest.raises(rk.BadQuantityError):
        rk.rate(readings, plan, span=day, meters=CPU)
    # Fed one by one, the last is refused and the rater still prices what it took:
    # 9E+29 x 0.01 = 9E+27.
    assert [rater.feed([r]).accepted for r in readings[:3]] == [("c1",), ("c2",), ("c3",)]
    with pytest.raises(rk.BadQuantityError, match="sample 'c4'"):
        rater.feed(readings[3:])
    assert total(rater, "2026-03-02T00:00:00Z") == Decimal("9E+27")


def test_a_gauge_level_held_in_a_compacted_state_counts_at_the_door() -> None:
    # r's mean of 6E+29 from 1 March goes on after 1 March is compacted, with no record
    # kept: q's 6E+29 on 3 March makes that day's quantity 1.2E+30, past what the tiers
    # take. The quick bound counts the levels the compacted states hold too.
    mean = [rk.Meter("g", "u", rk.TimeWeightedMean())]
    plan = _read_plan("g", rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "1E-10")]))
    rater = rk.Rater(plan, mean, start=START)
    rater.feed([rk.Sample("a", "r", "g", "2026-03-01T01:00:00Z", "6E+29", kind="gauge", id="a0")])
    for as_of in ("2026-03-02T06:00:00Z", "2026-03-03T06:00:00Z"):
        rater.statement(as_of)
    held = rk.Sample("a", "q", "g", "2026-03-03T07:00:00Z", "6E+29", kind="gauge", id="b0")
    for fed in (rater, rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, mean)):
        with pytest.raises(
            rk.BadQuantityError,
            match=f"cannot price {12 * 10**29} u of meter 'g' for account 'a' in the cycle "
            r"2026-03-03T00:00:00Z\.\.2026-03-04T00:00:00Z",
        ):
            fed.feed([held])


def test_large_counter_readings_with_small_increments_are_taken() -> None:
    # Readings near 9E+29 pass the quick bound, so the door meters them: the increments
    # are 5 and 7, priced 12 x 0.01 = 0.12.
    plan = _read_plan("cpu", rk.Graduated([rk.Tier(None, "0.01")]))
    rater = rk.Rater(plan, CPU, start=START)
    values = [
        "900000000000000000000000000000",
        "900000000000000000000000000005",
        "900000000000000000000000000012",
    ]
    readings = [_reading(f"2026-03-01T0{n + 1}:00:00Z", v, f"c{n}") for n, v in enumerate(values)]
    assert rater.feed(readings).accepted == ("c0", "c1", "c2")
    assert total(rater, "2026-03-02T00:00:00Z") == Decimal("0.12")


def test_peaks_of_an_accounts_resources_past_what_tiers_take_are_refused() -> None:
    # A Max meter's cycle quantity adds each resource's peak: 9E+29 + 9E+29.
    plan = _read_plan("users", rk.Graduated([rk.Tier(None, "1")]))
    rater = rk.Rater(plan, USERS, start=START)
    gauge = [
        rk.Sample("a1", app, "users", "2026-03-01T05:00:00Z", "9E+29", kind="gauge", id=app)
        for app in ("app-1", "app-2")
    ]
    assert rater.feed(gauge[:1]).accepted == ("app-1",)
    with pytest.raises(
        rk.BadQuantityError, match=f"sample 'app-2' .* cannot price {18 * 10**29} user"
    ):
        rater.feed(gauge[1:])


def test_gauge_values_that_hold_on_past_what_tiers_take_are_refused() -> None:
    # A mean over what is known holds a gauge's last value on: nic-1 at 9E+29 from 01:00
    # on 1 March, nic-2 at 3, then at 9E+29 from 23:00. 1 March's means add up to less
    # than 1E+30 (nic-2's 9E+29 holds one hour of it), but 2 March, with no reading,
    # holds both: 1.8E+30, and every statement from then on would fail.
    users = [rk.Meter("cpu", "s", rk.TimeWeightedMean())]
    plan = _read_plan("cpu", rk.Graduated([rk.Tier(None, "0.01")]))
    rater = rk.Rater(plan, users, start=START)

    def gauge(resource: str, at: str, value: str, record_id: str) -> rk.Sample:
        return rk.Sample("a2", resource, "cpu", at, value, kind="gauge", id=record_id)

    taken = [gauge("nic-1", "2026-03-01T01:00:00Z", "9e29", "g1")]
    taken.append(gauge("nic-2", "2026-03-01T01:00:00Z", "3", "g2"))
    assert rater.feed(taken).accepted == ("g1", "g2")
    with pytest.raises(rk.BadQuantityError, match=r"cycle 2026-03-02T00:00:00Z\.\.2026-03-03"):
        rater.feed([gauge("nic-2", "2026-03-01T23:00:00Z", "9e29", "g3")])
    # What it took, it prices as batch rating does: 9E+29 + 3 a day, three days.
    three_days = rk.Span(START, "2026-03-04T00:00:00Z")
    rating = rk.rate(taken, plan, span=three_days, meters=users)
    assert (
        total(rater, "2026-03-04T00:00:00Z")
        == rating.total()
        == Decimal("27000000000000000000000000000.09")
    )


@settings(deadline=None, max_examples=LAWS)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a1", "a2"]),
            st.sampled_from(["nic-1", "nic-2"]),
            st.sampled_from(
                ["2026-03-01T01:00:00Z", "2026-03-01T23:00:00Z", "2026-03-02T05:00:00Z"]
            ),
            st.sampled_from(["9e29", "5e29", "1e29", "3", "0"]),
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
    st.sampled_from(
        [
            ("counter", rk.Counter()),
            ("counter", rk.Counter(from_zero=True)),
            ("gauge", rk.Max()),
            ("gauge", rk.TimeWeightedMean()),
        ]
    ),
)
def test_feed_and_batch_agree_on_which_readings_they_take(
    readings: list[tuple[str, str, str, str]], tiered: bool, policy: tuple[str, Any]
) -> None:
    # Counters (a reset, a first reading from zero) and gauges (a peak, a mean), fed one
    # reading at a time: what the feed refuses, batch rating of what it took and that
    # reading refuses too; what it takes, its statements price as batch rating does.
    kind, read = policy
    meters = [rk.Meter("cpu", "s", read)]
    price = rk.Graduated([rk.Tier(None, "0.01")]) if tiered else rk.PerUnit("0.01")
    records = [
        rk.Sample(account, resource, "cpu", at, value, kind=kind, id=f"c{index}")
        for index, (account, resource, at, value) in enumerate(readings)
    ]
    fed_one_at_a_time(records, _read_plan("cpu", price), meters)


@pytest.mark.parametrize(
    "used",
    [" 1000 ", "1_000", "\uff11\uff10\uff10\uff10", "1e999999", "1e-999999", "7/0", "-7/3",
     "7/-3", " 7/3", "7/3/2", "7.5/3", "\uff17/3", "1" + "0" * 40 + "/3", "0/3"],
)  # fmt: skip
def test_restore_refuses_an_allowance_use_no_snapshot_writes(used: str) -> None:
    # A yearly allowance of 1000 h on a monthly plan: January and February are compacted
    # into the snapshot with what they used of it ("1000"), written as plain text.
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        allowances=[rk.Allowance("vm.hours", 1000, cycle=rk.cycles.yearly(tz="UTC"))],
    )
    rater = rk.Rater(plan, [vm], start="2026-01-01T00:00:00Z")
    rater.feed([rk.Event("a", "v", "2026-01-01T00:00:00Z", kind="start", id="e1")])
    for month in (2, 3, 4):
        rater.statement(f"2026-{month:02d}-01T00:00:00Z")
    data = json.loads(json.dumps(rater.snapshot()))
    assert data["body"]["allowed"][0][-1] == "1000"
    data["body"]["allowed"][0][-1] = used
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), plan, [vm])
    assert str(caught.value) == (
        "Rater snapshot body is malformed (at body.allowed[0]: an allowance's used quantity "
        f"is a decimal string above 0 (or an exact fraction such as '7/3'), not {used!r}); "
        "restore an unaltered copy."
    )
