"""A replay of compacted records changes nothing the ledger says.

A watch that reconnects sends records again, some of cycles the rater compacted long
ago: each is a duplicate (or, another version of one, conflicting) and changes nothing.
So the next statement says exactly what it would have said without the replay: the open
month's fee and usage as increments, not as a reversal and a correction (which say a
record changed them before the watermark). Most such resources were deleted in the
compacted cycles and forgotten (kept as a tombstone): a replay of their records does
not bring them back to be metered again.

Every test feeds two raters the same records and statements, one of them the replay
too, and compares their lines; the first ones work the amounts by hand.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
START = "2026-03-01T00:00:00Z"
METERS = [
    rk.Meter("cpu", "vCPU*hour", rk.Continuous("cpu")),
    rk.Meter("egress", "GB", rk.Discrete()),
]
PLAN = rk.Plan(
    "p",
    "USD",
    MONTHS,
    [
        rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.04")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.5")),
    ],
    fees=[rk.Fee("platform", 31)],
)
FIRST = "2026-05-01T02:00:00Z"  # May's fee so far: 31 x 2/744
SECOND = "2026-05-02T00:00:00Z"  # and 31 x 24/744 = 1

# web-0 runs one vCPU on 1 March and is deleted: forgotten once March is compacted.
DELETED = [
    rk.Event("acme", "web-0", "2026-03-01T00:00:00Z", {"cpu": 1}, kind="start", id="a"),
    rk.Event("acme", "web-0", "2026-03-02T00:00:00Z", kind="delete", id="b"),
]
# web-1 runs one vCPU from 1 March on: usage in May.
RUNNING = [rk.Event("acme", "web-1", "2026-03-01T00:00:00Z", {"cpu": 1}, kind="start", id="c")]


def _near(value: Decimal, exact: Fraction) -> bool:
    """Within the 60 digits ratekit carries a quotient to (a 744th)."""
    return abs(Fraction(value) - exact) < Fraction(1, 10**55)


def _said(records: list[rk.Record], replay: list[rk.Record] | None, *, restored: bool = False):
    """The second statement's lines of a rater fed ``records`` (and ``replay`` between)."""
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed(records)
    rater.statement(FIRST)
    if restored:
        rater = rk.Rater.restore(rater.snapshot(), PLAN, METERS)
    if replay is not None:
        fed = rater.feed(replay)
        assert fed.accepted == ()
        assert set(fed.duplicates) | set(fed.conflicting) == {r.id for r in replay}
    return rater.statement(SECOND).lines


def _same_without(records: list[rk.Record], replay: list[rk.Record], **kwargs: bool):
    lines = _said(records, replay, **kwargs)
    assert lines == _said(records, None, **kwargs)
    return lines


def test_replayed_delete_of_a_compacted_month_is_no_correction() -> None:
    """A watch that reconnects and sends March's delete again in May."""
    lines = _same_without(DELETED, DELETED[1:])
    assert [line.role for line in lines] == ["increment"]
    # May's fee from 02:00 to 24:00: 31 x 22/744 = 0.9166...
    assert _near(lines[0].amount, Fraction(31 * 22, 744))


def test_replayed_start_and_delete_of_a_compacted_month_are_no_correction() -> None:
    lines = _same_without(DELETED, DELETED)
    assert [(line.kind, line.role) for line in lines] == [("fee", "increment")]
    assert _near(lines[0].amount, Fraction(31 * 22, 744))


def test_a_replay_leaves_the_open_months_usage_an_increment() -> None:
    """web-1's May usage: 2 h said at 02:00, 22 h more at midnight, whatever the replay."""
    lines = _same_without([*DELETED, *RUNNING], DELETED[::-1])
    assert sorted((line.kind, line.role) for line in lines) == [
        ("fee", "increment"),
        ("usage", "increment"),
    ]
    (usage,) = (line for line in lines if line.kind == "usage")
    assert usage.quantity == 22
    assert usage.amount == Decimal("0.88")  # 22 vCPU-hours x 0.04


def test_a_replayed_stop_of_a_compacted_month_is_no_correction() -> None:
    """A resource stopped (not deleted) in March: its stop replayed in May."""
    stopped = [
        *RUNNING,
        rk.Event("acme", "web-2", "2026-03-01T00:00:00Z", {"cpu": 2}, kind="start", id="s1"),
        rk.Event("acme", "web-2", "2026-03-03T00:00:00Z", kind="stop", id="s2"),
    ]
    lines = _same_without(stopped, stopped[1:])
    assert sorted((line.kind, line.role) for line in lines) == [
        ("fee", "increment"),
        ("usage", "increment"),
    ]


def test_a_replayed_sample_of_a_deleted_resource_is_no_correction() -> None:
    """10 GB out of web-0 on 1 March: the sample and the delete replayed in May."""
    sampled = [
        *DELETED,
        *RUNNING,
        rk.Sample("acme", "web-0", "egress", "2026-03-01T12:00:00Z", 10, id="g1"),
    ]
    lines = _same_without(sampled, sampled[::-1])
    assert sorted((line.kind, line.role) for line in lines) == [
        ("fee", "increment"),
        ("usage", "increment"),
    ]


def test_a_replayed_inventory_listing_a_deleted_resource_is_no_correction() -> None:
    """An inventory opened web-0 and web-1 on 1 March; replayed in May, with web-0's delete."""
    listing = {("acme", "web-0"): {"cpu": 1}, ("acme", "web-1"): {"cpu": 1}}
    listed = [rk.Inventory("2026-03-01T00:00:00Z", listing, id="i1"), DELETED[1]]
    lines = _same_without(listed, listed[:2])
    assert sorted((line.kind, line.role) for line in lines) == [
        ("fee", "increment"),
        ("usage", "increment"),
    ]


def test_another_version_of_a_compacted_delete_changes_nothing_either() -> None:
    """The delete replayed with another instant: conflicting, and no correction."""
    other = rk.Event("acme", "web-0", "2026-03-05T00:00:00Z", kind="delete", id="b")
    lines = _said([*DELETED, *RUNNING], [other])
    assert lines == _said([*DELETED, *RUNNING], None)
    assert sorted((line.kind, line.role) for line in lines) == [
        ("fee", "increment"),
        ("usage", "increment"),
    ]


def test_a_replay_after_a_restore_is_no_correction() -> None:
    """The tombstone a snapshot keeps knows the replay, as the rater did."""
    lines = _same_without([*DELETED, *RUNNING], DELETED, restored=True)
    assert sorted((line.kind, line.role) for line in lines) == [
        ("fee", "increment"),
        ("usage", "increment"),
    ]


def test_a_new_record_of_a_forgotten_resource_still_brings_it_back() -> None:
    """Not a replay: an update of web-0 after its delete is an ``after_delete`` anomaly."""
    after = rk.Event("acme", "web-0", "2026-05-01T12:00:00Z", {"cpu": 4}, id="late")
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([*DELETED, *RUNNING])
    rater.statement(FIRST)
    fed = rater.feed([DELETED[1], after])
    assert fed.duplicates == ("b",)
    assert fed.accepted == ("late",)
    statement = rater.statement(SECOND)
    assert "after_delete" in {anomaly.kind for anomaly in statement.anomalies}
    # web-0 stays deleted: May's usage is web-1's alone, 22 vCPU-hours more.
    usage = [line for line in statement.lines if line.kind == "usage"]
    assert [(line.resource, line.quantity) for line in usage] == [("web-1", 22)]
