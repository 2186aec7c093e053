"""The Aquarium scenarios (seed 004): cost policies, pricelists with temporal overriding
and repeating windows, agreements that change mid-month, a lonely ON in January.

GRNet runs in Europe/Athens: in January 2012 that is EET, UTC+2.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

ATHENS = "Europe/Athens"
MONTHS = rk.cycles.monthly(tz=ATHENS)
# January 2012 in Athens: 1 Jan 00:00 EET = 31 Dec 22:00Z .. 1 Feb 00:00 EET = 31 Jan 22:00Z
JANUARY = rk.Span("2012-01-01T00:00:00+02:00", "2012-02-01T00:00:00+02:00")

DISK = rk.Meter("diskspace", "GB*hour", rk.Continuous("size_gb"))
VM = rk.Meter("vmtime", "hour", rk.OnOff())
BANDWIDTH = rk.Meter("bandwidth", "GB", rk.Discrete())

# The seed's pricelists: a default one, and one that overrides it on Tuesdays 02:00 to
# Wednesdays 02:00 (Athens time) from the seed's instant 1326041177 (16:46:17Z; the seed's
# comment says 18:46:27 EET, ten seconds off: we use the epoch second it gives).
OVERRIDE_FROM = "2012-01-08T16:46:17Z"
TUESDAYS = rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz=ATHENS)

DEFAULT = [
    rk.PriceEntry("disk", "diskspace", rk.PerUnit("0.0001")),
    rk.PriceEntry("vm-on", "vmtime", rk.PerUnit("0.10"), where={"state": "on"}),
    rk.PriceEntry("vm-off", "vmtime", rk.PerUnit("0.01"), where={"state": "off"}),
    rk.PriceEntry("bandwidth", "bandwidth", rk.PerUnit("0.05")),
]
EVERYBODY = [
    rk.PriceEntry(
        "everybody-vm-on",
        "vmtime",
        rk.PerUnit("0.05"),
        where={"state": "on"},
        start=OVERRIDE_FROM,
        window=TUESDAYS,
        priority=10,
    )
]
DEFAULT_PLAN = rk.Plan("default", "EUR", MONTHS, [*DEFAULT, *EVERYBODY])


def test_continuous_disk_space_is_the_integral_of_its_size() -> None:
    records = [
        rk.Event(
            "user-1", "disk-1", "2012-01-01T00:00:00+02:00", {"size_gb": 100}, kind="start", id="d1"
        ),
        rk.Event(
            "user-1",
            "disk-1",
            "2012-01-11T00:00:00+02:00",
            {"size_gb": 200},
            kind="update",
            id="d2",
        ),
        rk.Event("user-1", "disk-1", "2012-01-21T00:00:00+02:00", kind="delete", id="d3"),
    ]
    rating = rk.rate(records, DEFAULT_PLAN, span=JANUARY, meters=[DISK])
    # 100 GB x 240 h = 24000 GB*hour x 0.0001 = 2.40; 200 GB x 240 h = 48000 x 0.0001 = 4.80
    assert [(c.quantity, c.amount, c.record_ids) for c in rating.charges] == [
        (24000, Decimal("2.40"), ("d1", "d2")),
        (48000, Decimal("4.80"), ("d2", "d3")),
    ]


def test_on_off_vm_is_priced_by_its_state() -> None:
    records = [
        rk.Event(
            "user-1", "vm-1", "2012-01-02T00:00:00+02:00", {"state": "on"}, kind="start", id="v1"
        ),
        rk.Event(
            "user-1", "vm-1", "2012-01-02T10:00:00+02:00", {"state": "off"}, kind="update", id="v2"
        ),
        rk.Event(
            "user-1", "vm-1", "2012-01-03T00:00:00+02:00", {"state": "on"}, kind="update", id="v3"
        ),
        rk.Event("user-1", "vm-1", "2012-01-03T06:00:00+02:00", kind="delete", id="v4"),
    ]
    rating = rk.rate(records, DEFAULT_PLAN, span=JANUARY, meters=[VM])
    # Mon 2 Jan: 10 h on x 0.10 = 1.00, 14 h off x 0.01 = 0.14; Tue 3 Jan 00:00-06:00 on:
    # the Tuesday pricelist only takes effect on 8 Jan, so 6 h x 0.10 = 0.60
    assert [(c.entry, c.quantity, c.amount) for c in rating.charges] == [
        ("vm-on", 10, Decimal("1.00")),
        ("vm-off", 14, Decimal("0.14")),
        ("vm-on", 6, Decimal("0.60")),
    ]
    assert rating.total() == Decimal("1.74")


def test_discrete_bandwidth_is_the_sum_of_the_amounts_sent() -> None:
    records = [
        rk.Sample("user-1", "ip-1", "bandwidth", "2012-01-05T12:00:00+02:00", "1.5", id="b1"),
        rk.Sample("user-1", "ip-1", "bandwidth", "2012-01-20T12:00:00+02:00", "2.25", id="b2"),
        rk.Sample(
            "user-1", "ip-1", "bandwidth", "2012-02-01T00:00:00+02:00", "7", id="b3"
        ),  # February
    ]
    rating = rk.rate(records, DEFAULT_PLAN, span=JANUARY, meters=[BANDWIDTH])
    # 1.5 + 2.25 = 3.75 GB x 0.05 = 0.1875 (b3, at the cycle's end, belongs to February)
    assert rating.total() == Decimal("0.1875")
    assert [c.record_ids for c in rating.charges] == [("b1", "b2")]  # one row per piece
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("0.19")  # 0.1875 rounded once, half-even


def test_the_tuesday_pricelist_overrides_the_default_inside_its_window() -> None:
    records = [
        # Mon 9 Jan 00:00 EET .. Fri 13 Jan 00:00 EET: 96 h, on all the time
        rk.Event(
            "user-1", "vm-1", "2012-01-09T00:00:00+02:00", {"state": "on"}, kind="start", id="v1"
        ),
        rk.Event("user-1", "vm-1", "2012-01-13T00:00:00+02:00", kind="stop", id="v2"),
    ]
    rating = rk.rate(records, DEFAULT_PLAN, span=JANUARY, meters=[VM])
    # Tue 10 Jan 02:00 .. Wed 11 Jan 02:00 EET = 24 h x 0.05 = 1.20 (the override);
    # before it 26 h x 0.10 = 2.60, after it 46 h x 0.10 = 4.60; total 8.40
    assert [(c.entry, c.span, c.quantity, c.amount) for c in rating.charges] == [
        (
            "vm-on",
            rk.Span("2012-01-09T00:00:00+02:00", "2012-01-10T02:00:00+02:00"),
            26,
            Decimal("2.60"),
        ),
        (
            "everybody-vm-on",
            rk.Span("2012-01-10T02:00:00+02:00", "2012-01-11T02:00:00+02:00"),
            24,
            Decimal("1.20"),
        ),
        (
            "vm-on",
            rk.Span("2012-01-11T02:00:00+02:00", "2012-01-13T00:00:00+02:00"),
            46,
            Decimal("4.60"),
        ),
    ]
    assert rating.total() == Decimal("8.40")


def test_the_override_does_not_touch_powered_off_vms() -> None:
    records = [
        rk.Event(
            "user-1", "vm-1", "2012-01-10T00:00:00+02:00", {"state": "off"}, kind="start", id="v1"
        ),
        rk.Event("user-1", "vm-1", "2012-01-11T00:00:00+02:00", kind="stop", id="v2"),
    ]
    rating = rk.rate(records, DEFAULT_PLAN, span=JANUARY, meters=[VM])
    # off all day Tuesday: its selector does not match, so 24 h x 0.01 = 0.24 (in two
    # pieces, cut where the window opens)
    assert {c.entry for c in rating.charges} == {"vm-off"}
    assert rating.total() == Decimal("0.24")


def test_an_agreement_change_mid_month_splits_the_cycle() -> None:
    premium = rk.Plan(
        "premium",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm-premium", "vmtime", rk.PerUnit("0.08"), where={"state": "on"})],
        fees=[rk.Fee("premium", 10)],
    )
    change = "2012-01-16T12:00:00+02:00"
    agreements = [
        rk.Assignment("user-1", DEFAULT_PLAN, end=change),
        rk.Assignment("user-1", premium, start=change),
    ]
    records = [
        rk.Event(
            "user-1", "vm-1", "2011-12-20T00:00:00+02:00", {"state": "on"}, kind="start", id="v1"
        )
    ]
    rating = rk.rate(records, agreements, span=JANUARY, meters=[VM])
    # default: 1 Jan .. 16 Jan 12:00 = 372 h, of which Tue 3 Jan 02:00-Wed 4 Jan 02:00 is
    # before the override starts (0.10) and Tue 10 Jan 02:00-Wed 11 Jan 02:00 inside it:
    # 348 h x 0.10 = 34.80 + 24 h x 0.05 = 1.20 = 36.00
    # premium: 16 Jan 12:00 .. 1 Feb = 372 h x 0.08 = 29.76; fee 10 x 372/744 = 5
    by_plan: dict[str, Decimal] = {}
    for charge in rating.charges:
        by_plan[charge.plan] = by_plan.get(charge.plan, Decimal(0)) + charge.amount
    assert by_plan == {"default": Decimal("36.00"), "premium": Decimal("34.76")}
    (invoice,) = rk.bill(rating)
    assert invoice.cycle == JANUARY
    assert [(line.label, line.quantity, line.amount) for line in invoice.lines] == [
        ("vmtime · everybody-vm-on", 24, Decimal("1.20")),
        ("vmtime · vm-on", 348, Decimal("34.80")),
        ("vmtime · vm-premium", 372, Decimal("29.76")),
        ("fee · premium", Decimal("0.5"), Decimal("5.00")),
    ]
    assert invoice.total == Decimal("70.76")


def test_a_lonely_on_in_january_is_charged_to_the_months_end() -> None:
    records = [
        rk.Event(
            "user-1", "vm-1", "2012-01-20T12:00:00+02:00", {"state": "on"}, kind="start", id="v1"
        )
    ]
    # rated after January ended: charged from 20 Jan 12:00 to 1 Feb 00:00 EET = 11.5 days
    # = 276 h; the windows of Tue 24 Jan (24 h) and Tue 31 Jan (02:00 to the month's end:
    # 22 h) give 46 h x 0.05 = 2.30, the other 230 h x 0.10 = 23.00: 25.30
    rating = rk.rate(records, DEFAULT_PLAN, span=JANUARY, meters=[VM], as_of="2012-02-15T00:00:00Z")
    assert sum(c.quantity for c in rating.charges) == 276
    assert rating.total() == Decimal("25.30")
    assert rating.charges[-1].span.end == JANUARY.end
    # still running: February continues where January stopped, without double counting
    february = rk.Span(JANUARY.end, "2012-03-01T00:00:00+02:00")
    later = rk.rate(
        records, DEFAULT_PLAN, span=february, meters=[VM], as_of="2012-02-02T00:00:00+02:00"
    )
    assert later.charges[0].span.start == JANUARY.end
    assert sum(c.quantity for c in later.charges) == 24


def test_equal_priority_pricelists_that_overlap_are_refused() -> None:
    clash = rk.PriceEntry(
        "clash", "vmtime", rk.PerUnit("0.07"), where={"state": "on"}, window=TUESDAYS
    )
    with pytest.raises(rk.BadPriceError) as error:
        rk.Plan("broken", "EUR", MONTHS, [*DEFAULT, clash])
    assert str(error.value) == (
        "price entries 'clash' and 'vm-on' of meter 'vmtime' have the same priority 0 and can "
        "both apply (e.g. at 2000-01-04T00:00:00Z); give one a higher priority, or make their "
        "spans, windows or selectors exclusive."
    )
