"""A newcomer bills public IP addresses and NAT gateways with the streaming rater.

Public IPs are billed per hour while allocated (allocate = START, release = DELETE) and
NAT gateways per processed GB, exported as deltas over 5-minute spans. An hourly
reconciler lists every allocated address and asks for a statement at each listing's own
instant; the host restores from its snapshot now and then. Every figure is worked by
hand in the comments; each stream is compared with one batch ``rk.rate()`` of the same
records.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

import ratekit as rk

IP = rk.Meter("ip.hours", "hour", rk.OnOff())
GB = rk.Meter("nat.gb", "GB", rk.Discrete())
METERS = [IP, GB]
ENTRIES = [
    rk.PriceEntry("ip", "ip.hours", rk.PerUnit("0.005")),
    rk.PriceEntry("nat", "nat.gb", rk.PerUnit("0.045")),
]
DAILY = rk.Plan("net", "EUR", rk.cycles.daily(tz="UTC"), ENTRIES)
MONTHLY = rk.Plan("net-m", "EUR", rk.cycles.monthly(tz="UTC"), ENTRIES)
START = "2026-03-01T00:00:00Z"
ADDR = "203.0.113.7"


def _allocate(account: str, at: str, rid: str, resource: str = ADDR) -> rk.Event:
    return rk.Event(account, resource, at, kind="start", id=rid)


def _release(account: str, at: str, rid: str, resource: str = ADDR) -> rk.Event:
    return rk.Event(account, resource, at, kind="delete", id=rid)


def _nat(at: str, gb: str, rid: str, minutes: int = 5) -> rk.Sample:
    since = dt.datetime.fromisoformat(at) - dt.timedelta(minutes=minutes)
    return rk.Sample("a", "nat-1", "nat.gb", at, gb, since=since, id=rid)


def _restored(rater: rk.Rater, plan: rk.Plan = DAILY) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, METERS)


def _stream(
    batches: list[list[rk.Event | rk.Sample | rk.Inventory]],
    watermarks: list[str],
    *,
    restore: bool,
    plan: rk.Plan = DAILY,
) -> tuple[dict[str, Decimal], list[rk.Feed], list[str]]:
    rater = rk.Rater(plan, METERS, start=START)
    totals: dict[str, Decimal] = {}
    feeds: list[rk.Feed] = []
    kinds: list[str] = []
    for batch, watermark in zip(batches, watermarks, strict=True):
        if restore:
            rater = _restored(rater, plan)
        feeds.append(rater.feed(batch))
        if restore:
            rater = _restored(rater, plan)
        statement = rater.statement(watermark)
        kinds += [anomaly.kind for anomaly in statement.anomalies]
        for line in statement.lines:
            totals[line.account] = totals.get(line.account, Decimal(0)) + line.amount
    return totals, feeds, kinds


def _batch(
    records: list[rk.Event | rk.Sample | rk.Inventory], end: str, as_of: str
) -> tuple[dict[str, Decimal], list[str]]:
    rating = rk.rate(records, DAILY, span=rk.Span(START, end), meters=METERS, as_of=as_of)
    totals: dict[str, Decimal] = {}
    for charge in rating.charges:
        totals[charge.account] = totals.get(charge.account, Decimal(0)) + charge.amount
    return totals, [anomaly.kind for anomaly in rating.anomalies]


@pytest.mark.parametrize("restore", [False, True])
def test_an_address_reallocated_across_compacted_cycles(restore: bool) -> None:
    # 203.0.113.7: account a from 1 March 10:00 to 12:00 (2 h), released; cycles of 1 to
    # 3 March compacted; re-allocated to a on 4 March 10:00-13:00 and to b on 5 March
    # 10:00-14:00. The same (account, resource) after its DELETE is an "after_delete"
    # anomaly and ignored (docs: Deleted resources), in batch and stream alike; b's is
    # another resource. a: 2 h x 0.005 = 0.010; b: 4 h x 0.005 = 0.020.
    first = [
        _allocate("a", "2026-03-01T10:00:00Z", "a1"),
        _release("a", "2026-03-01T12:00:00Z", "r1"),
    ]
    again = [
        _allocate("a", "2026-03-04T10:00:00Z", "a2"),
        _release("a", "2026-03-04T13:00:00Z", "r2"),
    ]
    other = [
        _allocate("b", "2026-03-05T10:00:00Z", "b1"),
        _release("b", "2026-03-05T14:00:00Z", "b2"),
    ]
    watermarks = ["2026-03-04T00:00:00Z", "2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z"]
    totals, feeds, kinds = _stream([first, again, other], watermarks, restore=restore)
    assert totals == {"a": Decimal("0.010"), "b": Decimal("0.020")}
    assert [len(feed.accepted) for feed in feeds] == [2, 2, 2]
    assert kinds == ["after_delete", "after_delete"]
    batch, batch_kinds = _batch(first + again + other, "2026-03-06T00:00:00Z", watermarks[-1])
    assert batch == totals
    assert batch_kinds == kinds


@pytest.mark.parametrize("restore", [False, True])
def test_duplicate_and_late_releases_with_listings_at_the_watermark(restore: bool) -> None:
    # Allocated 10:00, listed at 11:00 (the watermark), released 12:00 (fed twice, the
    # second a duplicate), listed empty at 12:00 (the watermark), a second release at
    # 12:30 (after_delete). NAT: 1.5 GB over 10:00-10:05 and 2.25 GB over 12:00-12:05.
    # IP 2 h x 0.005 = 0.010; NAT 3.75 GB x 0.045 = 0.16875; together 0.17875.
    one = [
        _allocate("a", "2026-03-01T10:00:00Z", "a1"),
        _nat("2026-03-01T10:05:00Z", "1.5", "n1"),
        rk.Inventory("2026-03-01T11:00:00Z", [("a", ADDR)], id="inv-11"),
    ]
    release = _release("a", "2026-03-01T12:00:00Z", "r1")
    two = [release, release, rk.Inventory("2026-03-01T12:00:00Z", [], id="inv-12")]
    three = [
        _release("a", "2026-03-01T12:30:00Z", "r1b"),
        _nat("2026-03-01T12:05:00Z", "2.25", "n2"),
        rk.Inventory("2026-03-02T00:00:00Z", [], id="inv-24"),
    ]
    watermarks = ["2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z", "2026-03-02T00:00:00Z"]
    totals, feeds, kinds = _stream([one, two, three], watermarks, restore=restore)
    assert totals == {"a": Decimal("0.17875")}
    assert (feeds[1].accepted, feeds[1].duplicates) == (("r1", "inv-12"), ("r1",))
    assert kinds == ["after_delete"]
    batch, _ = _batch([*one, release, two[2], *three], "2026-03-02T00:00:00Z", watermarks[-1])
    assert batch == totals


def test_a_release_fed_late_corrects_the_closed_day() -> None:
    # Allocated 1 March 10:00; the release of 1 March 12:00 arrives after 1 March closed
    # (horizon 1 day, watermark 2 March 06:00 closes nothing; 3 March 00:00 closes 1 March).
    # Without the release the address runs on: 1 March 14 h = 0.070; 2 March 24 h = 0.120.
    # The release, fed after, is late for 1 March: -12 h = -0.060 there, and 2 March's
    # 24 h = -0.120. Net: 2 h x 0.005 = 0.010, as batch.
    rater = rk.Rater(DAILY, METERS, start=START, horizon=dt.timedelta(days=1))
    rater.feed([_allocate("a", "2026-03-01T10:00:00Z", "a1")])
    closing = rater.statement("2026-03-03T00:00:00Z")
    assert closing.total() == Decimal("0.190")  # (14 + 24) h x 0.005
    assert [invoice.total for invoice in closing.invoices] == [Decimal("0.07")]
    rater = _restored(rater)
    feed = rater.feed([_release("a", "2026-03-01T12:00:00Z", "r1")])
    assert feed.late == ("r1",)
    correction = rater.statement("2026-03-03T01:00:00Z")
    assert correction.total() == Decimal("-0.180")  # -12 h - 24 h
    assert any(line.late for line in correction.lines)


def test_a_nat_delta_stamped_years_ahead_waits_and_bills_its_last_month() -> None:
    # An exporter whose clock is three years fast: 7 GB over 2026-03-01 .. 2029-03-01
    # 10:05 is fed on 1 March 2026. The stream does not meter it before its instant, so
    # the statement of 5 March bills only the 1 GB stamped in time: 1 x 0.045.
    rater = rk.Rater(DAILY, METERS, start=START)
    ahead = rk.Sample("a", "nat-2", "nat.gb", "2029-03-01T10:05:00Z", 7, since=START, id="far")
    near = _nat("2026-03-01T10:05:00Z", "1", "near")
    assert rater.feed([ahead, near]).accepted == ("far", "near")
    statement = rater.statement("2026-03-05T00:00:00Z")
    assert statement.total() == Decimal("0.045")
    assert len(statement.closed) == 4
    # the delta keeps no cycles from its since: the snapshot stays small
    assert len(json.dumps(rater.snapshot())) < 4000


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        ("NaN", rk.BadQuantityError, "finite number"),
        ("1e999999", rk.BadQuantityError, "1E+30"),
        (True, rk.RatekitTypeError, "not bool"),
        (None, rk.RatekitTypeError, "(int, str, Decimal or float)"),
        ([1], rk.RatekitTypeError, "not list"),
    ],
)
def test_hostile_gb_values_are_refused_naming_the_sample(
    value: object, error: type[rk.RatekitError], words: str
) -> None:
    with pytest.raises(error) as raised:
        rk.Sample("a", "nat-1", "nat.gb", "2026-03-01T10:05:00Z", value, id="bad")  # type: ignore[arg-type]
    assert "'bad'" in str(raised.value)
    assert words in str(raised.value)


def test_a_watermark_years_off_is_refused_and_changes_nothing() -> None:
    rater = rk.Rater(DAILY, METERS, start=START)
    rater.feed([_allocate("a", "2026-03-01T10:00:00Z", "a1")])
    before = rater.snapshot()
    with pytest.raises(rk.BadTimeError) as raised:
        rater.statement("9999-12-31T00:00:00Z")
    assert "out of range" in str(raised.value)
    assert len(str(raised.value)) < 1000
    with pytest.raises(rk.BadTimeError) as raised:
        rater.statement("2060-01-01T00:00:00Z")  # > MAX_CLOSING (10,000) daily cycles
    assert len(str(raised.value)) < 1000
    assert rater.snapshot() == before


@pytest.mark.parametrize("restore", [False, True])
def test_credits_pay_closing_invoices_as_batch_bill(restore: bool) -> None:
    # Monthly plan. 203.0.113.7 allocated 1 March 00:00, released 11 April 00:00:
    # March 744 h x 0.005 = 3.72, April 240 h x 0.005 = 1.20. NAT: 10 GB in March
    # (0.45). A welcome credit of 1 and a monthly renewing 0.50 (priority 1, first).
    # March: 4.17 - 0.50 - 1.00 = 2.67. April: 1.20 - 0.50 (renewed) = 0.70.
    grants = [
        rk.Credit("welcome", "a", 1, "EUR", start=START),
        rk.Credit("monthly", "a", "0.50", "EUR", start=START, renews=True, priority=1),
    ]
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        _allocate("a", "2026-03-01T00:00:00Z", "a1"),
        _nat("2026-03-10T10:05:00Z", "10", "n1"),
        _release("a", "2026-04-11T00:00:00Z", "r1"),
    ]
    rater = rk.Rater(MONTHLY, METERS, start=START)
    rater.feed(records[:2])
    if restore:
        rater = _restored(rater, MONTHLY)
    march = rk.apply_credits(rater.statement("2026-04-01T00:00:00Z").invoices, grants)
    left = rk.credits_left(grants, march)
    if restore:
        rater = _restored(rater, MONTHLY)
    rater.feed(records[2:])
    april = rk.apply_credits(rater.statement("2026-05-01T00:00:00Z").invoices, left)
    assert [invoice.total for invoice in march + april] == [Decimal("2.67"), Decimal("0.70")]
    rating = rk.rate(records, MONTHLY, span=rk.Span(START, "2026-05-01T00:00:00Z"), meters=METERS)
    batch = rk.bill(rating, credits=grants)
    assert [invoice.total for invoice in batch] == [Decimal("2.67"), Decimal("0.70")]
    assert [invoice.credits for invoice in batch] == [invoice.credits for invoice in march + april]


@pytest.mark.parametrize("restore", [False, True])
def test_an_address_moved_by_listings_alone_and_a_listing_fed_after_its_statement(
    restore: bool,
) -> None:
    # a allocates 10:00; listed for a at 11:00; the 12:00 listing names it under b and is
    # fed only after the statement at 12:00 (asked again at 12:00: nothing was before
    # 12:00, so the listing is taken on by the next statement). b's release of 12:30 closes
    # it, the 13:00 listing opens it again (it "was deleted"), billed to 14:00.
    # a: 10:00-12:00, 2 h x 0.005 = 0.010; b: 0.5 h + 1 h = 1.5 h x 0.005 = 0.0075.
    one = [
        _allocate("a", "2026-03-01T10:00:00Z", "a1"),
        rk.Inventory("2026-03-01T11:00:00Z", [("a", ADDR)], id="i11"),
    ]
    two = [rk.Inventory("2026-03-01T12:00:00Z", [("b", ADDR)], id="i12")]
    three = [
        rk.Inventory("2026-03-01T13:00:00Z", [("b", ADDR)], id="i13"),
        _release("b", "2026-03-01T12:30:00Z", "bd"),
    ]
    watermarks = ["2026-03-01T12:00:00Z", "2026-03-01T12:00:00Z", "2026-03-01T14:00:00Z"]
    totals, _, kinds = _stream([one, two, three], watermarks, restore=restore)
    assert totals == {"a": Decimal("0.010"), "b": Decimal("0.0075")}
    assert kinds == ["reconciled_close", "reconciled_open", "reconciled_open"]
    batch, batch_kinds = _batch([*one, *two, *three], "2026-03-02T00:00:00Z", watermarks[-1])
    assert batch == totals
    assert batch_kinds == kinds


@pytest.mark.parametrize("restore", [False, True])
def test_a_bare_address_reallocated_to_its_account_is_billed_from_the_next_listing(
    restore: bool,
) -> None:
    # Named by the address alone, 203.0.113.7 of a is deleted on 1 March (10:00-12:00,
    # 2 h) and compacted. Its re-allocation to a on 4 March 10:00 comes after the
    # deletion: "after_delete", ignored (docs: Deleted resources). The hourly listing
    # of 11:00 opens it again; the release of 13:00 closes it: 11:00-13:00, 2 h. The hour
    # 10:00-11:00 is lost, in batch as in the stream: a resource id must name one
    # allocation (203.0.113.7#alloc-id) to bill it whole.
    # a: (2 + 2) h x 0.005 = 0.020.
    one = [
        _allocate("a", "2026-03-01T10:00:00Z", "a1"),
        _release("a", "2026-03-01T12:00:00Z", "r1"),
    ]
    two = [
        _allocate("a", "2026-03-04T10:00:00Z", "a2"),
        rk.Inventory("2026-03-04T11:00:00Z", [("a", ADDR)], id="i11"),
    ]
    three = [
        _release("a", "2026-03-04T13:00:00Z", "r2"),
        rk.Inventory("2026-03-04T14:00:00Z", [], id="i14"),
    ]
    watermarks = ["2026-03-04T00:00:00Z", "2026-03-04T11:00:00Z", "2026-03-04T14:00:00Z"]
    totals, _, kinds = _stream([one, two, three], watermarks, restore=restore)
    assert totals == {"a": Decimal("0.020")}
    assert kinds == ["after_delete", "reconciled_open"]
    batch, batch_kinds = _batch([*one, *two, *three], "2026-03-05T00:00:00Z", watermarks[-1])
    assert batch == totals
    assert batch_kinds == kinds


def test_a_late_release_that_only_takes_hours_away_is_named_by_the_next_closing() -> None:
    # Horizon 6 h. 198.51.100.2 is allocated to a on 1 March 02:00; a listing of 4 March
    # 06:00 lists only 203.0.113.7 (allocated 1 March 00:00), so it closes 198.51.100.2
    # there. The statement of 4 March 06:00 closes 1 to 3 March. Then the release of 3
    # March 00:00 arrives: late for 3 March (-24 h, -0.120) and 4 March's 6 h (-0.030);
    # 203.0.113.7 runs on to 5 March: 24 h on 4 March (reported 6 h: -0.030 + 0.120).
    # The statement: -0.120 - 0.030 - 0.030 + 0.120 = -0.060. Its lines are reversals,
    # with no charges to name the release: the closing of 4 March lists it in no_effect,
    # with the listing whose closing it made moot. 4 March: 24 h x 0.005 = 0.12.
    rater = rk.Rater(DAILY, METERS, start=START, horizon=dt.timedelta(hours=6))
    other = "198.51.100.2"
    rater.feed(
        [
            _allocate("a", "2026-03-01T00:00:00Z", "a0"),
            _allocate("a", "2026-03-01T02:00:00Z", "a1", resource=other),
            rk.Inventory("2026-03-04T06:00:00Z", [("a", ADDR)], id="inv-78"),
        ]
    )
    first = rater.statement("2026-03-04T06:00:00Z")
    assert len(first.closed) == 3
    # 203.0.113.7: 78 h; 198.51.100.2: 76 h; 154 h x 0.005 = 0.770
    assert first.total() == Decimal("0.770")
    rater = _restored(rater)
    assert rater.feed([_release("a", "2026-03-03T00:00:00Z", "r1", resource=other)]).late == ("r1",)
    second = rater.statement("2026-03-05T00:00:00Z")
    assert second.total() == Decimal("-0.060")
    assert sorted(
        (line.role, line.quantity) for line in second.lines if line.resource == other
    ) == [
        ("reversal", Decimal(-24)),
        ("reversal", Decimal(-6)),
    ]
    closing = _restored(rater).statement("2026-03-05T06:00:00Z")
    assert closing.total() == Decimal("0.030")  # 203.0.113.7, 5 March 00:00-06:00
    assert set(closing.no_effect) == {"r1", "inv-78"}
    assert [invoice.total for invoice in closing.invoices] == [Decimal("0.12")]
