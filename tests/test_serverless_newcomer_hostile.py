"""Hostile and messy input to a serverless platform's streaming rater.

Gateways at-least-once over a queue send what a billing backend must survive: values
that are no numbers or out of range, negative GB-seconds (a gateway's correction), an id
sent again with other content, a whole day replayed after its cycle was compacted, a
record later than the horizon, a huge batch, snapshots edited or cut short, a restore
under another plan. What works as documented passes; each fault is a strict xfail
stating what should happen.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from tests.test_serverless_newcomer_stream import (  # the one price list and meters
    FREE,
    MARCH0,
    METERS,
    STANDARD,
    entries,
)

import ratekit as rk

DAILY = rk.Plan("daily", "USD", rk.cycles.daily(tz="UTC"), entries(), allowances=FREE)
DEPLOY = rk.Event("alpha", "alpha/api", MARCH0, {"region": "us"}, kind="update", id="deploy")
APRIL = "2026-04-01T00:00:00Z"


def _sample(value: object, rid: str, at: object = "2026-03-02T00:00:00Z", meter: str = "gbs") -> rk.Sample:  # fmt: skip
    return rk.Sample("alpha", "alpha/api", meter, at, value, id=rid)  # type: ignore[arg-type]


def _monthly() -> rk.Rater:
    rater = rk.Rater(STANDARD, METERS, start=MARCH0)
    assert rater.feed([DEPLOY]).accepted == ("deploy",)
    return rater


def _closing(rater: rk.Rater, meter: str) -> Decimal:
    (invoice,) = rater.statement(APRIL).invoices
    return sum((line.amount for line in invoice.lines if line.meter == meter), Decimal(0))


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (
            Decimal("NaN"),
            rk.BadQuantityError,
            "sample 'x' value must be a finite number, not Decimal('NaN').",
        ),
        (float("nan"), rk.BadQuantityError, "sample 'x' value must be a finite number, not nan."),
        (
            "Infinity",
            rk.BadQuantityError,
            "sample 'x' value must be a finite number, not 'Infinity'.",
        ),
        (
            True,
            rk.RatekitTypeError,
            "sample 'x' value must be a number (int, str, Decimal or float), not bool: True.",
        ),
        (
            Decimal("1E+30"),
            rk.BadQuantityError,
            "sample 'x' value Decimal('1E+30') lies outside the numbers ratekit represents exactly: give at most 60 significant digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30.",
        ),
        (
            Decimal("1E-31"),
            rk.BadQuantityError,
            "sample 'x' value Decimal('1E-31') lies outside the numbers ratekit represents exactly: give at most 60 significant digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30.",
        ),
        (" 5", rk.BadQuantityError, "sample 'x' value ' 5' is not written plainly"),
    ],
)
def test_a_value_that_is_no_number_or_out_of_range_is_refused_saying_what_is_accepted(
    value: object, error: type[rk.RatekitError], message: str
) -> None:
    with pytest.raises(error) as raised:
        _sample(value, "x")
    assert str(raised.value).startswith(message)


def test_refused_batches_name_what_was_wrong_and_take_nothing() -> None:
    rater = _monthly()
    naive = dt.datetime(2026, 3, 2)  # noqa: DTZ001 - the point of the test
    with pytest.raises(rk.BadTimeError, match="is a naive datetime; ratekit compares instants"):
        rater.feed([_sample(1, "n", at=naive)])
    with pytest.raises(rk.RatekitTypeError, match=r"not NoneType: None \(records\[1\] of the batch\)"):  # fmt: skip
        rater.feed([_sample(1, "ok"), None])  # type: ignore[list-item]
    with pytest.raises(rk.RatekitTypeError, match="takes an iterable of Event, Sample and Inventory records, not str"):  # fmt: skip
        rater.feed("gateway")  # type: ignore[arg-type]
    assert rater.feed([_sample(1, "ok")]).accepted == ("ok",)  # nothing of the batch was taken


def test_negative_gb_seconds_are_a_correction_netted_before_the_allowance() -> None:
    rater = _monthly()
    rater.feed([_sample(500_000, "g1"), _sample(-200_000, "g2", at="2026-03-03T00:00:00Z")])
    rater.statement("2026-03-10T00:00:00Z")
    rater.feed([_sample(300_000, "g3", at="2026-03-20T00:00:00Z")])
    # net 500,000 - 200,000 + 300,000 = 600,000 GB-s, 400,000 free:
    # 200,000 x 0.0000166667 = 3.33334, printed 3.33
    assert _closing(rater, "gbs") == Decimal("3.33")


def test_an_id_sent_again_with_other_content_is_conflicting_and_the_first_stands() -> None:
    rater = _monthly()
    first = _sample("12.5", "e1", meter="egress")
    assert rater.feed([first]).accepted == ("e1",)
    feed = rater.feed([_sample("99", "e1", meter="egress"), _sample("12.50", "e1", meter="egress")])
    assert feed.conflicting == ("e1",)
    assert feed.duplicates == ("e1",)  # the same value however written
    # 12.5 GB in the us region before the 15th at 0.08 = 1.00
    assert _closing(rater, "egress") == Decimal("1.00")


def test_two_versions_of_one_id_in_one_batch_keep_the_first() -> None:
    rater = _monthly()
    feed = rater.feed([_sample(10, "e1", meter="egress"), _sample(20, "e1", meter="egress")])
    assert (feed.accepted, feed.conflicting) == (("e1",), ("e1",))
    assert _closing(rater, "egress") == Decimal("0.80")  # 10 GB x 0.08


def _daily_through_day_five() -> tuple[rk.Rater, list[rk.Sample], list[rk.Invoice]]:
    rater = rk.Rater(DAILY, METERS, start=MARCH0)
    first_day = [_sample(1, f"d{hour}", MARCH0 + dt.timedelta(hours=hour), meter="egress") for hour in range(24)]  # fmt: skip
    assert rater.feed([DEPLOY, *first_day]).counts["accepted"] == 25
    invoices: list[rk.Invoice] = []
    for hour in range(1, 5 * 24 + 1):
        invoices.extend(rater.statement(MARCH0 + dt.timedelta(hours=hour)).invoices)
    return rater, first_day, invoices


def test_a_whole_day_replayed_after_its_cycle_was_compacted_is_too_late_and_said_so() -> None:
    rater, first_day, invoices = _daily_through_day_five()
    assert invoices[0].total == Decimal("1.92")  # 24 GB x 0.08
    feed = rater.feed(first_day)
    assert feed.counts["too_late"] == 24
    assert feed.counts["accepted"] == feed.counts["duplicates"] == 0
    assert feed.anomalies[0].message == (
        "sample 'd0' stamped 2026-03-01T00:00:00Z is older than every cycle the rater keeps "
        "(from 2026-03-05T00:00:00Z; its cycle was closed and compacted, or comes before the "
        "rater's start): its quantity 1 GB (egress) is not applied. It may be a replay of a record "
        "applied before and forgotten with its compacted cycle (then it was charged then, and "
        "nothing is lost): the rater cannot tell the two apart."
    )
    assert rater.statement("2026-03-06T02:00:00Z").lines == ()  # nothing billed twice
    assert rater.feed(first_day).duplicates == tuple(sample.id for sample in first_day)


def test_a_record_later_than_the_horizon_but_in_the_kept_cycle_corrects_it_late() -> None:
    rater, _, _ = _daily_through_day_five()
    feed = rater.feed([_sample(5, "k1", "2026-03-05T01:00:00Z", meter="egress")])
    assert feed.late == ("k1",)
    lines = rater.statement("2026-03-06T02:00:00Z").lines
    # 5 March closed at 6 March 00:00 (no horizon): 5 GB x 0.08 = 0.40, marked late
    assert [(line.role, line.cycle.start.day, line.amount, line.late) for line in lines] == [
        ("charge", 5, Decimal("0.40"), True)
    ]


@pytest.mark.heavy
def test_a_huge_batch_of_one_function_is_taken_and_billed_whole() -> None:
    rater = _monthly()
    batch = [_sample(1, f"h{n}", MARCH0 + dt.timedelta(seconds=10 * n), meter="egress") for n in range(100_000)]  # fmt: skip
    assert rater.feed(batch).counts["accepted"] == 100_000
    # 100,000 GB, all before the 15th (11.6 days), in the us region at 0.08 = 8,000.00
    assert _closing(rater, "egress") == Decimal("8000.00")


def _reseal(data: dict[str, Any]) -> dict[str, Any]:
    unsealed = {key: value for key, value in data.items() if key != "checksum"}
    text = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**unsealed, "checksum": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def test_snapshots_edited_cut_or_restored_under_another_plan_are_refused() -> None:
    rater = _monthly()
    rater.feed([_sample(7, "s1", meter="egress")])
    rater.statement("2026-03-03T00:00:00Z")
    saved = json.loads(json.dumps(rater.snapshot()))
    edited = copy.deepcopy(saved)
    edited["body"]["as_of_us"] += 3_600_000_000
    with pytest.raises(rk.BadSnapshotError, match="checksum"):
        rk.Rater.restore(edited, STANDARD, METERS)
    cut = copy.deepcopy(saved)
    del cut["body"]["reported"]
    with pytest.raises(rk.BadSnapshotError, match="body has no reported; a body holds"):
        rk.Rater.restore(_reseal(cut), STANDARD, METERS)
    with pytest.raises(rk.BadSnapshotError, match=r"taken under other plans or meters .* restore it with the plans and meters it was taken with"):  # fmt: skip
        rk.Rater.restore(saved, DAILY, METERS)
    with pytest.raises(
        rk.BadSnapshotError, match=r"needs what Rater.snapshot.. returned .* not str"
    ):
        rk.Rater.restore(json.dumps(saved), STANDARD, METERS)  # type: ignore[arg-type]
    restored = rk.Rater.restore(saved, STANDARD, METERS)  # the unaltered copy
    assert _closing(restored, "egress") == Decimal("0.56")  # 7 GB x 0.08


def test_a_gb_second_of_the_smallest_magnitude_is_taken_and_free() -> None:
    rater = _monthly()
    assert rater.feed([_sample("1E-30", "t")]).accepted == ("t",)
    assert _closing(rater, "gbs") == 0  # within the 400,000 free


def test_a_tiny_sample_with_its_correction_in_one_batch_is_taken() -> None:
    # 1E-30 GB and its compensating -1E-30 in one batch: the row is 0, nothing priced
    # below 1E-30, so the batch is taken (the door meters and rates it before).
    rater = _monthly()
    fed = rater.feed([_sample("1E-30", "t", meter="egress"), _sample("-1E-30", "t-fix", meter="egress")])  # fmt: skip
    assert fed.accepted == ("t", "t-fix")
    assert rater.statement("2026-03-05T00:00:00Z").total() == 0


def test_a_tiny_sample_within_the_allowance_is_taken() -> None:
    # 1E-26 GB-s, free (within the 400,000): its amount is 0, not below 1E-30.
    rater = _monthly()
    assert rater.feed([_sample("1E-26", "t", meter="gbs")]).accepted == ("t",)
    assert rater.statement("2026-03-05T00:00:00Z").total() == 0


@pytest.mark.parametrize(
    ("meter", "values", "amount"),
    [
        ("egress", ("1E-30",), "8E-32"),  # 1E-30 GB x 0.08 = 8E-32
        # 1E-26 GB-s past the free 400,000 x 0.0000166667 = 1.66667E-31
        ("gbs", ("400000", "1E-26"), "1.66667E-31"),
    ],
    ids=["egress per unit", "GB-s past the allowance"],
)
def test_a_sample_whose_amount_lies_below_1e_30_is_taken_and_priced(
    meter: str, values: tuple[str, ...], amount: str
) -> None:
    # The amount is carried exactly (was: the batch refused whole at the feed), and the
    # closing statement prices it as batch rate() of the same records does.
    rater = _monthly()
    batch = [_sample(value, f"t{n}", meter=meter) for n, value in enumerate(values)]
    assert rater.feed(batch).accepted == tuple(f"t{n}" for n in range(len(values)))
    statement = rater.statement(APRIL)
    assert [line.amount for line in statement.lines if line.meter == meter] == [Decimal(amount)]
    rated = rk.rate([DEPLOY, *batch], STANDARD, span=rk.Span(MARCH0, APRIL), meters=METERS)
    assert statement.total() == rated.total()


def test_an_account_on_its_own_anchored_cycle_needs_a_rater_of_its_own() -> None:
    anchored = rk.Plan(
        "anchored", "USD", rk.cycles.monthly(tz="America/Los_Angeles", day=17), entries()
    )
    with pytest.raises(rk.BadCalendarError) as raised:
        rk.Rater([rk.Assignment("alpha", STANDARD), rk.Assignment("delta", anchored)], METERS, start=MARCH0)  # fmt: skip
    assert str(raised.value) == (
        "Rater plans bill on different cycles (cycles.monthly(tz='America/Los_Angeles', "
        "day=17), cycles.monthly(tz='UTC', day=1)); a rater closes one cycle at a time: give "
        "its plans one cycle, or use one rater per cycle."
    )


def test_a_commitment_assigned_before_the_last_watermark_is_refused_and_nothing_changes() -> None:
    committed = rk.Plan("committed", "USD", STANDARD.cycle, entries(), minimums=[rk.Minimum(1000)])
    rater = rk.Rater([rk.Assignment("alpha", STANDARD)], METERS, start=MARCH0)
    rater.statement("2026-03-05T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match=r"before the rater's last watermark 2026-03-05T00:00:00Z.* Give it a start at or after 2026-03-05T00:00:00Z"):  # fmt: skip
        rater.assign(rk.Assignment("alpha", committed, start="2026-03-04T00:00:00Z"))
    assigned = rater.assign(rk.Assignment("alpha", committed, start="2026-03-05T00:00:00Z"))
    assert [assignment.plan.id for assignment in assigned] == ["standard", "committed"]
