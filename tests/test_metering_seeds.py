"""The user stories of the seeds, metered; every expected quantity is worked by hand.

Seed 002 (OpenStack metering, 2012): instances created, resized and terminated across
metering windows and billing cycles, failed creates and boots, volumes, and a cumulative
byte counter apportioned across a cycle boundary. Seed 003 (Cloud Foundry / Abacus, 2015):
apps started and stopped, running across months, scaled by START after START, duplicate
STOPs, and a START stamped after its STOP. Seed 000 (Exoscale): reconciliation against a
full inventory snapshot.
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk
from ratekit._instants import from_us, to_us

HOUR_US = 3_600_000_000


MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
MARCH_AND_APRIL = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
END = "2026-05-01T00:00:00Z"

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff(when={"vm_state": "active"}))
STORAGE = rk.Meter("storage", "GiB*hour", rk.Continuous("size_gib"))
EGRESS = rk.Meter("egress", "B", rk.Counter())
APP_MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))


def start(resource: str, at: str, id: str, **attributes: object) -> rk.Event:  # noqa: A002
    return rk.Event("acme", resource, at, attributes, kind="start", id=id)


def update(resource: str, at: str, id: str, **attributes: object) -> rk.Event:  # noqa: A002
    return rk.Event("acme", resource, at, attributes, kind="update", id=id)


def delete(resource: str, at: str, id: str) -> rk.Event:  # noqa: A002
    return rk.Event("acme", resource, at, kind="delete", id=id)


def meter(records: list[rk.Event | rk.Sample], *meters: rk.Meter, **options: object) -> rk.Usage:
    span = options.pop("span", MARCH_AND_APRIL)
    as_of = options.pop("as_of", END)
    return rk.meter(records, meters, span=span, cycle=MONTHLY, as_of=as_of, **options)  # type: ignore[arg-type]


def summary(usage: rk.Usage) -> list[tuple[str, str, str, str, Decimal]]:
    return [
        (
            row.resource,
            row.meter,
            rk._instants.format_us(row.span.start_us),
            rk._instants.format_us(row.span.end_us),
            row.quantity,
        )
        for row in usage.rows
    ]


# -- seed 002: instances -----------------------------------------------------------------


def test_002_create_and_terminate_inside_one_window() -> None:
    # Created 10:00, terminated 10:45 on 3 March: 45 min = 0.75 h, one row in March.
    usage = meter(
        [
            start("vm-1", "2026-03-03T10:00:00Z", "e1", vm_state="active", flavor="m1.small"),
            delete("vm-1", "2026-03-03T10:45:00Z", "e2"),
        ],
        RUNTIME,
    )
    (row,) = usage.rows
    assert row.quantity == Decimal("0.75")
    assert row.unit == "hour"
    assert row.cycle == MARCH
    assert row.span == rk.Span("2026-03-03T10:00:00Z", "2026-03-03T10:45:00Z")
    assert row.record_ids == ("e1", "e2")
    assert dict(row.description) == {"vm_state": "active", "flavor": "m1.small"}
    assert usage.anomalies == ()


def test_002_create_and_terminate_across_metering_windows() -> None:
    # Hourly metering windows are cuts. Created 10:40, terminated 12:10:
    #   [10:40, 11:00) = 1/3 h, [11:00, 12:00) = 1 h, [12:00, 12:10) = 1/6 h; total 1.5 h.
    # Each piece is F(end) - F(start) with F(t) = t / 1 h rounded at 1e-24, t absolute:
    #   F(11:00) and F(12:00) are whole numbers, F(10:40) = n + 0.666...667 (rounded up),
    #   F(12:10) = m + 0.166...667, so the pieces are 0.333...333, 1 and 0.166...667,
    #   and they add up to exactly 1.5.
    day = to_us("2026-03-03T00:00:00Z")
    hourly = [day + h * HOUR_US for h in range(24)]
    usage = meter(
        [
            start("vm-1", "2026-03-03T10:40:00Z", "e1", vm_state="active"),
            delete("vm-1", "2026-03-03T12:10:00Z", "e2"),
        ],
        RUNTIME,
        cuts={"runtime": hourly},
    )
    assert [row.quantity for row in usage.rows] == [
        Decimal("0.333333333333333333333333"),
        Decimal(1),
        Decimal("0.166666666666666666666667"),
    ]
    assert usage.total("runtime") == Decimal("1.5")
    # The first piece was begun by e1; the last one was ended by e2.
    assert [row.record_ids for row in usage.rows] == [("e1",), ("e1",), ("e1", "e2")]


def test_002_create_and_terminate_across_a_billing_cycle() -> None:
    # Created 31 March 22:00, terminated 1 April 02:00: 2 h in March, 2 h in April.
    usage = meter(
        [
            start("vm-1", "2026-03-31T22:00:00Z", "e1", vm_state="active"),
            delete("vm-1", "2026-04-01T02:00:00Z", "e2"),
        ],
        RUNTIME,
    )
    assert [(row.cycle, row.quantity) for row in usage.rows] == [
        (MARCH, Decimal(2)),
        (APRIL, Decimal(2)),
    ]


def test_002_across_a_cycle_in_the_customers_timezone() -> None:
    # Monthly cycles in Europe/Zurich: April begins at local midnight, which (summer time
    # since 29 March, UTC+2) is 31 March 22:00Z. Running 21:00Z-23:00Z: 1 h in March, 1 h
    # in April.
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    usage = rk.meter(
        [
            start("vm-1", "2026-03-31T21:00:00Z", "e1", vm_state="active"),
            delete("vm-1", "2026-03-31T23:00:00Z", "e2"),
        ],
        [RUNTIME],
        span=rk.Span("2026-03-01T00:00:00+01:00", "2026-05-01T00:00:00+02:00"),
        cycle=zurich,
        as_of="2026-05-01T00:00:00Z",
    )
    assert [(row.cycle, row.quantity) for row in usage.rows] == [
        (rk.Span("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00"), Decimal(1)),
        (rk.Span("2026-04-01T00:00:00+02:00", "2026-05-01T00:00:00+02:00"), Decimal(1)),
    ]


def test_002_resize_up_then_down() -> None:
    # m1.small 08:00-10:00 (2 h), resized up to m1.large 10:00-13:00 (3 h), down to
    # m1.small 13:00-14:00 (1 h), terminated 14:00. Each resize ends one piece and
    # begins the next at the same instant.
    usage = meter(
        [
            start("vm-1", "2026-03-03T08:00:00Z", "e1", vm_state="active", flavor="m1.small"),
            update("vm-1", "2026-03-03T10:00:00Z", "e2", flavor="m1.large"),
            update("vm-1", "2026-03-03T13:00:00Z", "e3", flavor="m1.small"),
            delete("vm-1", "2026-03-03T14:00:00Z", "e4"),
        ],
        RUNTIME,
    )
    assert [(row.description["flavor"], row.quantity, row.record_ids) for row in usage.rows] == [
        ("m1.small", Decimal(2), ("e1", "e2")),
        ("m1.large", Decimal(3), ("e2", "e3")),
        ("m1.small", Decimal(1), ("e3", "e4")),
    ]
    assert usage.rows[0].span.end_us == usage.rows[1].span.start_us


def test_002_failed_create_charges_nothing() -> None:
    # The provider fails to create the instance: building, then error, then deleted.
    # It never is active, so no runtime row at all.
    usage = meter(
        [
            start("vm-1", "2026-03-03T09:00:00Z", "e1", vm_state="building"),
            update("vm-1", "2026-03-03T09:05:00Z", "e2", vm_state="error"),
            delete("vm-1", "2026-03-03T09:30:00Z", "e3"),
        ],
        RUNTIME,
    )
    assert usage.rows == ()
    assert usage.anomalies == ()


def test_002_failed_boot_charges_nothing() -> None:
    # Created, but the image does not boot: the instance stops in error two minutes later
    # and is deleted at 10:00. Stopped time accrues nothing, and it was never active.
    usage = meter(
        [
            start("vm-1", "2026-03-03T09:00:00Z", "e1", vm_state="building"),
            rk.Event(
                "acme", "vm-1", "2026-03-03T09:02:00Z", {"vm_state": "error"}, kind="stop", id="e2"
            ),
            delete("vm-1", "2026-03-03T10:00:00Z", "e3"),
        ],
        RUNTIME,
        rk.Meter("any-runtime", "hour", rk.OnOff()),
    )
    # Without the "active" condition, only the 2 building minutes count: 2/60 h.
    assert summary(usage) == [
        (
            "vm-1",
            "any-runtime",
            "2026-03-03T09:00:00Z",
            "2026-03-03T09:02:00Z",
            Decimal("0.033333333333333333333333"),
        )
    ]


def test_002_volume_created_attached_and_deleted() -> None:
    # A 100 GiB volume: created 08:00, attached to vm-1 at 09:00, deleted 11:30.
    #   [08:00, 09:00): 100 GiB x 1 h = 100 GiB*h, detached
    #   [09:00, 11:30): 100 GiB x 2.5 h = 250 GiB*h, attached to vm-1
    usage = meter(
        [
            start("vol-1", "2026-03-03T08:00:00Z", "v1", size_gib=100),
            update("vol-1", "2026-03-03T09:00:00Z", "v2", attached_to="vm-1"),
            delete("vol-1", "2026-03-03T11:30:00Z", "v3"),
        ],
        STORAGE,
    )
    assert [(row.quantity, dict(row.description)) for row in usage.rows] == [
        (Decimal(100), {"size_gib": 100}),
        (Decimal(250), {"size_gib": 100, "attached_to": "vm-1"}),
    ]
    assert {row.unit for row in usage.rows} == {"GiB*hour"}


def test_002_volume_outlives_its_instance() -> None:
    # vm-1 runs 08:00-10:00 (2 h). vol-1 (20 GiB) is created attached at 08:30; the
    # instance is terminated at 10:00 and the volume detached, but it still exists at
    # as_of 12:00, so it is metered up to as_of:
    #   [08:30, 10:00) attached: 20 x 1.5 = 30 GiB*h; [10:00, 12:00) detached: 20 x 2 = 40.
    usage = meter(
        [
            start("vm-1", "2026-03-03T08:00:00Z", "e1", vm_state="active"),
            start("vol-1", "2026-03-03T08:30:00Z", "v1", size_gib=20, attached_to="vm-1"),
            delete("vm-1", "2026-03-03T10:00:00Z", "e2"),
            update("vol-1", "2026-03-03T10:00:00Z", "v2", attached_to=None),
        ],
        RUNTIME,
        STORAGE,
        as_of="2026-03-03T12:00:00Z",
    )
    assert summary(usage) == [
        ("vm-1", "runtime", "2026-03-03T08:00:00Z", "2026-03-03T10:00:00Z", Decimal(2)),
        ("vol-1", "storage", "2026-03-03T08:30:00Z", "2026-03-03T10:00:00Z", Decimal(30)),
        ("vol-1", "storage", "2026-03-03T10:00:00Z", "2026-03-03T12:00:00Z", Decimal(40)),
    ]
    assert dict(usage.rows[2].description) == {"size_gib": 20}
    (vol_state,) = [s for s in usage.state if s.resource == "vol-1"]
    assert vol_state.status == "running"


def test_002_cumulative_bytes_apportioned_across_a_cycle_boundary() -> None:
    # The public IP's counter reads 0 at T, 100 at T+10, 500 at T+20 and 1000 at T+40
    # (minutes); the March cycle ends at T+30. The delta 500 between T+20 and T+40 is
    # spread linearly: half of it (250) before T+30.
    #   March: 100 + 400 + 250 = 750 B; April: 250 B.
    t = to_us("2026-03-31T23:30:00Z")
    minute = 60_000_000
    readings = [(0, 0), (10, 100), (20, 500), (40, 1000)]
    usage = meter(
        [
            rk.Sample(
                "acme", "ip-1", "egress", from_us(t + m * minute), value, kind="counter", id=f"s{m}"
            )
            for m, value in readings
        ],
        EGRESS,
    )
    assert [(row.cycle, row.quantity) for row in usage.rows] == [
        (MARCH, Decimal(750)),
        (APRIL, Decimal(250)),
    ]
    assert usage.rows[0].record_ids == ("s0", "s10", "s20", "s40")
    assert usage.rows[1].record_ids == ("s20", "s40")


# -- seed 003: Cloud Foundry apps --------------------------------------------------------


def cf(kind: str, at: str, seq: int, **attributes: object) -> rk.Event:
    state = "STARTED" if kind == "start" else "STOPPED"
    return rk.Event(
        "org-1",
        "app-1",
        at,
        {"state": state, **attributes},
        kind=kind,  # type: ignore[arg-type]
        id=f"cf-{seq}",
        seq=seq,
    )


def test_003_started_and_stopped_several_times_in_a_month() -> None:
    # 512 MB x 1 instance, three runs in March:
    #   2 Mar 08:00-10:00 = 2 h -> 1024 MB*h; 5 Mar 12:00-12:30 = 0.5 h -> 256 MB*h;
    #   20 Mar 00:00-21 Mar 00:00 = 24 h -> 12288 MB*h. Total 13568 MB*h.
    usage = meter(
        [
            cf("start", "2026-03-02T08:00:00Z", 1, memory_mb=512, instances=1),
            cf("stop", "2026-03-02T10:00:00Z", 2),
            cf("start", "2026-03-05T12:00:00Z", 3),
            cf("stop", "2026-03-05T12:30:00Z", 4),
            cf("start", "2026-03-20T00:00:00Z", 5),
            cf("stop", "2026-03-21T00:00:00Z", 6),
        ],
        APP_MEMORY,
    )
    assert [row.quantity for row in usage.rows] == [Decimal(1024), Decimal(256), Decimal(12288)]
    assert usage.total("memory") == Decimal(13568)
    assert usage.anomalies == ()


def test_003_started_this_month_and_still_running() -> None:
    # Started 30 March 12:00 with 256 MB x 2 = 512 MB. Polled at 31 March 00:00:
    # 12 h x 512 = 6144 MB*h. Polled again at 1 April 00:00 for [31 Mar, 1 Apr): 24 h x 512 =
    # 12288 MB*h, continued from the first poll's state without double counting; the two
    # polls add up to the whole month asked at once: 36 h x 512 = 18432 MB*h.
    records = [cf("start", "2026-03-30T12:00:00Z", 1, memory_mb=256, instances=2)]
    first = meter(records, APP_MEMORY, span=MARCH, as_of="2026-03-31T00:00:00Z")
    assert first.total() == Decimal(6144)
    second = meter(
        [],
        APP_MEMORY,
        span=rk.Span("2026-03-31T00:00:00Z", "2026-04-01T00:00:00Z"),
        as_of="2026-04-01T00:00:00Z",
        state=first.state,
    )
    assert second.total() == Decimal(12288)
    whole = meter(records, APP_MEMORY, span=MARCH, as_of="2026-04-01T00:00:00Z")
    assert whole.total() == first.total() + second.total() == Decimal(18432)
    # The carried state survives a trip through JSON.
    restored = tuple(rk.ResourceState.from_json(s.to_json()) for s in first.state)
    assert restored == first.state


def test_003_started_last_month_still_running_reported_for_any_period() -> None:
    # Started 20 February with 1024 MB x 1 and never stopped. Reported for the arbitrary
    # period [10 Mar 06:00, 12 Mar 18:00) = 60 h: 60 x 1024 = 61440 MB*h, in the March cycle.
    usage = meter(
        [cf("start", "2026-02-20T00:00:00Z", 1, memory_mb=1024, instances=1)],
        APP_MEMORY,
        span=rk.Span("2026-03-10T06:00:00Z", "2026-03-12T18:00:00Z"),
    )
    (row,) = usage.rows
    assert row.quantity == Decimal(61440)
    assert row.cycle == MARCH
    assert row.record_ids == ("cf-1",)


def test_003_scaled_by_start_after_start() -> None:
    # START 512 MB x 1 at 08:00; START 512 MB x 3 at 10:00 (scale out); START 1024 MB x 3
    # at 11:00 (scale up); STOP at 12:00:
    #   2 h x 512 = 1024; 1 h x 1536 = 1536; 1 h x 3072 = 3072 MB*h. Total 5632 MB*h.
    usage = meter(
        [
            cf("start", "2026-03-02T08:00:00Z", 1, memory_mb=512, instances=1),
            cf("start", "2026-03-02T10:00:00Z", 2, memory_mb=512, instances=3),
            cf("start", "2026-03-02T11:00:00Z", 3, memory_mb=1024, instances=3),
            cf("stop", "2026-03-02T12:00:00Z", 4),
        ],
        APP_MEMORY,
    )
    assert [
        (row.description["memory_mb"], row.description["instances"], row.quantity)
        for row in usage.rows
    ] == [(512, 1, Decimal(1024)), (512, 3, Decimal(1536)), (1024, 3, Decimal(3072))]
    assert usage.total() == Decimal(5632)
    assert usage.anomalies == ()


def test_003_duplicate_stops_are_no_ops_and_anomalies() -> None:
    # START 08:00, STOP 09:00, a second STOP 09:15 (another id), and the first STOP
    # replayed with its own id: 1 h x 512 = 512 MB*h; two anomalies.
    records = [
        cf("start", "2026-03-02T08:00:00Z", 1, memory_mb=512, instances=1),
        cf("stop", "2026-03-02T09:00:00Z", 2),
        cf("stop", "2026-03-02T09:15:00Z", 3),
        cf("stop", "2026-03-02T09:00:00Z", 2),
    ]
    usage = meter(records, APP_MEMORY)
    assert usage.total() == Decimal(512)
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [
        ("duplicate", ("cf-2",)),
        ("duplicate_stop", ("cf-3", "cf-2")),
    ]
    assert str(usage.anomalies[1]) == (
        "event 'cf-3' stops 'app-1' at 2026-03-02T09:15:00Z, already stopped since "
        "2026-03-02T09:00:00Z: ignored."
    )


def test_003_start_stamped_after_its_stop_gives_zero_duration() -> None:
    # The feed's order is right but the timestamps are not: the START (seq 1) is stamped
    # 10:05, its STOP (seq 2) 10:00. The STOP takes the START's instant: zero duration, no
    # negative charge, one anomaly. The next run, 11:00-12:00, counts normally: 512 MB*h.
    usage = meter(
        [
            cf("start", "2026-03-02T10:05:00Z", 1, memory_mb=512, instances=1),
            cf("stop", "2026-03-02T10:00:00Z", 2),
            cf("start", "2026-03-02T11:00:00Z", 3),
            cf("stop", "2026-03-02T12:00:00Z", 4),
        ],
        APP_MEMORY,
    )
    assert summary(usage) == [
        ("app-1", "memory", "2026-03-02T11:00:00Z", "2026-03-02T12:00:00Z", Decimal(512))
    ]
    (anomaly,) = usage.anomalies
    assert anomaly.kind == "out_of_order"
    assert anomaly.record_ids == ("cf-2", "cf-1")
    assert str(anomaly) == (
        "event 'cf-2' (stop of 'app-1') is stamped 2026-03-02T10:00:00Z, before "
        "2026-03-02T10:05:00Z of the event sequenced before it: it takes effect at that "
        "instant (zero duration, never a negative one)."
    )


def test_003_orphan_stop_charges_nothing() -> None:
    # A STOP for an app never started in the records: nothing is charged, one anomaly.
    usage = meter([cf("stop", "2026-03-02T10:00:00Z", 9)], APP_MEMORY)
    assert usage.rows == ()
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("orphan_stop", ("cf-9",))]


# -- seed 000: reconciliation ------------------------------------------------------------


def test_000_reconciliation_closes_the_absent_and_opens_the_unknown() -> None:
    # vm-1 started 1 March 00:00, its delete was lost; vm-2 started 1 March 00:00 and is
    # listed; vm-3 was created without an event reaching us and is listed. The snapshot at
    # 2 March 00:00 closes vm-1 there (24 h) and opens vm-3 there (as_of 3 March: 24 h);
    # vm-2 runs 48 h.
    usage = meter(
        [
            start("vm-1", "2026-03-01T00:00:00Z", "e1", vm_state="active"),
            start("vm-2", "2026-03-01T00:00:00Z", "e2", vm_state="active"),
            rk.Inventory(
                "2026-03-02T00:00:00Z",
                {
                    ("acme", "vm-2"): {"vm_state": "active"},
                    ("acme", "vm-3"): {"vm_state": "active"},
                },
                id="inv-1",
            ),
        ],
        RUNTIME,
        as_of="2026-03-03T00:00:00Z",
    )
    assert [(row.resource, row.quantity) for row in usage.rows] == [
        ("vm-1", Decimal(24)),
        ("vm-2", Decimal(48)),
        ("vm-3", Decimal(24)),
    ]
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [
        ("reconciled_close", ("inv-1", "e1")),
        ("reconciled_open", ("inv-1",)),
    ]
    assert str(usage.anomalies[0]) == (
        "inventory 'inv-1' at 2026-03-02T00:00:00Z does not list 'vm-1' of 'acme', running "
        "since 2026-03-01T00:00:00Z: closed at 2026-03-02T00:00:00Z (the snapshot)."
    )


def test_000_an_inventory_without_id_is_named_by_its_instant_once() -> None:
    # vm-1 started 1 March 00:00; an inventory of 2 March 00:00 without an id lists
    # nothing of acme's: vm-1 closes there (24 h), and the message names the inventory by
    # its instant, once ("inventory at ... at ..." said it twice).
    usage = meter(
        [
            start("vm-1", "2026-03-01T00:00:00Z", "e1", vm_state="active"),
            rk.Inventory("2026-03-02T00:00:00Z", {}, accounts=["acme"]),
        ],
        RUNTIME,
        as_of="2026-03-03T00:00:00Z",
    )
    assert [(row.resource, row.quantity) for row in usage.rows] == [("vm-1", Decimal(24))]
    assert str(usage.anomalies[0]) == (
        "inventory at 2026-03-02T00:00:00Z does not list 'vm-1' of 'acme', running "
        "since 2026-03-01T00:00:00Z: closed at 2026-03-02T00:00:00Z (the snapshot)."
    )


def test_000_reconciliation_can_close_at_the_last_sign_of_life() -> None:
    # vm-1 started 1 March 00:00 and its last egress sample came at 06:00; the snapshot of
    # 2 March 00:00 does not list it. Closing at the last sign of life gives 6 h, not 24 h.
    usage = meter(
        [
            start("vm-1", "2026-03-01T00:00:00Z", "e1", vm_state="active"),
            rk.Sample("acme", "vm-1", "bytes", "2026-03-01T06:00:00Z", 10, id="s1"),
            rk.Inventory("2026-03-02T00:00:00Z", [], close="last_seen", id="inv-1"),
        ],
        RUNTIME,
        rk.Meter("bytes", "B", rk.Discrete()),
        as_of="2026-03-03T00:00:00Z",
    )
    assert [(row.meter, row.quantity) for row in usage.rows] == [
        ("bytes", Decimal(10)),
        ("runtime", Decimal(6)),
    ]
    assert str(usage.anomalies[0]).endswith(
        "closed at 2026-03-01T06:00:00Z (its last sign of life)."
    )


def test_000_reconciliation_corrects_a_description_it_lists_otherwise() -> None:
    # vm-1 runs as m1.small from 1 March 00:00; its resize to m1.large was lost, but the
    # snapshot of 1 March 12:00 lists it as m1.large: 12 h small, then (as_of 2 March
    # 00:00) 12 h large.
    usage = meter(
        [
            start("vm-1", "2026-03-01T00:00:00Z", "e1", vm_state="active", flavor="m1.small"),
            rk.Inventory(
                "2026-03-01T12:00:00Z", {("acme", "vm-1"): {"flavor": "m1.large"}}, id="inv"
            ),
        ],
        RUNTIME,
        as_of="2026-03-02T00:00:00Z",
    )
    assert [(row.description["flavor"], row.quantity, row.record_ids) for row in usage.rows] == [
        ("m1.small", Decimal(12), ("e1", "inv")),
        ("m1.large", Decimal(12), ("inv",)),
    ]
    (anomaly,) = usage.anomalies
    assert anomaly.kind == "reconciled_update"
    assert anomaly.record_ids == ("inv", "e1")
    assert str(anomaly) == (
        "inventory 'inv' at 2026-03-01T12:00:00Z lists 'vm-1' of 'acme' with "
        "flavor='m1.large', where its description had flavor='m1.small': corrected at "
        "2026-03-01T12:00:00Z."
    )
