"""Metering: policies, rules, errors and properties, with exact quantities worked by hand."""

from __future__ import annotations

import decimal
import itertools
import pickle
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._decimals import CONTEXT
from ratekit._instants import format_us, from_us

HOUR = 3_600_000_000
MINUTE = 60_000_000


MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
BOTH = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
T0 = MARCH.start_us

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
BYTES = rk.Meter("bytes", "B", rk.Discrete())
COUNTER = rk.Meter("counter", "B", rk.Counter())


def at(hours: float) -> str:
    return format_us(T0 + int(hours * HOUR))


def run(
    records: Sequence[rk.Event | rk.Sample | rk.Inventory],
    *meters: rk.Meter,
    span: rk.Span = BOTH,
    as_of: str = "2026-05-01T00:00:00Z",
    cuts: Mapping[str, Sequence[int]] | None = None,
) -> rk.Usage:
    return rk.meter(records, meters, span=span, cycle=MONTHLY, as_of=as_of, cuts=cuts)


# -- meters and policies --------------------------------------------------------------------


def test_a_time_based_meter_needs_one_unit_of_time() -> None:
    with pytest.raises(rk.UnitError) as caught:
        rk.Meter("storage", "GiB", rk.Continuous("size_gib"))
    assert str(caught.value) == (
        "Meter 'storage' has a time-based policy, so its unit must be a product with one unit "
        "of time, like 'hour', 'GiB*hour' or 'MB*ns', not 'GiB'."
    )
    with pytest.raises(rk.UnitError):
        rk.Meter("odd", "hour*second", rk.OnOff())
    with pytest.raises(rk.UnitError):
        rk.Meter("rate", "B/s", rk.OnOff())


def test_a_meter_refuses_what_is_not_a_policy() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Meter("runtime", "hour", "on/off")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Meter 'runtime' policy must have a level(description) method (a time-based policy), "
        "or accepts(kind) with increments(...) or aggregate(...) (a sample-based one), "
        "not str: 'on/off'."
    )


def test_meter_names_are_unique() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        run([], RUNTIME, rk.Meter("runtime", "s", rk.OnOff()))
    assert str(caught.value) == "two meters are named 'runtime'; meter names are unique."


def test_borel_memory_in_mb_nanoseconds() -> None:
    # 512 MB for 2 s = 512 x 2e9 ns = 1.024e12 MB*ns.
    meter = rk.Meter("memory", "MB*ns", rk.Continuous("memory_mb"))
    usage = run(
        [
            rk.Event("a", "vm", at(1), {"memory_mb": 512}, kind="start", id="e1"),
            rk.Event("a", "vm", "2026-03-01T01:00:02Z", kind="delete", id="e2"),
        ],
        meter,
    )
    assert usage.total() == Decimal(1_024_000_000_000)


def test_on_off_takes_a_predicate() -> None:
    # Only m1.large pieces count: 10:00-12:00 = 2 h.
    large = rk.Meter("large", "hour", rk.OnOff(when=lambda d: d.get("flavor") == "m1.large"))
    usage = run(
        [
            rk.Event("a", "vm", at(8), {"flavor": "m1.small"}, kind="start", id="e1"),
            rk.Event("a", "vm", at(10), {"flavor": "m1.large"}, id="e2"),
            rk.Event("a", "vm", at(12), kind="stop", id="e3"),
        ],
        large,
    )
    assert [(row.quantity, row.record_ids) for row in usage.rows] == [(Decimal(2), ("e2", "e3"))]


def test_continuous_passes_by_resources_without_the_attribute() -> None:
    # The instance has no memory_mb: the memory meter has nothing to say about it.
    usage = run([rk.Event("a", "vm", at(1), {"flavor": "m1"}, kind="start", id="e1")], MEMORY)
    assert usage.rows == ()


def test_continuous_names_the_attribute_that_is_not_a_number() -> None:
    records = [
        rk.Event("a", "app", at(1), {"memory_mb": "lots", "instances": 1}, kind="start", id="e1")
    ]
    with pytest.raises(rk.BadQuantityError) as caught:
        run(records, MEMORY)
    assert str(caught.value) == (
        "meter 'memory', resource 'app' of 'a' as described by record 'e1' at "
        "2026-03-01T01:00:00Z: attribute 'memory_mb' 'lots' is not a decimal number; "
        "write it like '12.5' or '1e9'."
    )
    flagged = [
        rk.Event("a", "app", at(1), {"memory_mb": True, "instances": 1}, kind="start", id="e2")
    ]
    with pytest.raises(rk.BadRecordError) as boolean:
        run(flagged, MEMORY)
    assert str(boolean.value) == (
        "meter 'memory', resource 'app' of 'a' as described by record 'e2' at "
        "2026-03-01T01:00:00Z: attribute 'memory_mb' is True, not a number; a level is read "
        "from numbers (int, Decimal, or a string such as '512')."
    )
    # an event without an id: named as such, not as "record None"
    nameless = [rk.Event("a", "app", at(1), {"memory_mb": "lots", "instances": 1}, kind="start")]
    with pytest.raises(rk.BadQuantityError) as caught:
        run(nameless, MEMORY)
    assert str(caught.value) == (
        "meter 'memory', resource 'app' of 'a' as described by a record without an id at "
        "2026-03-01T01:00:00Z: attribute 'memory_mb' 'lots' is not a decimal number; "
        "write it like '12.5' or '1e9'."
    )


def test_continuous_level_from_decimal_attributes() -> None:
    # 0.5 GiB (a float at the door: Decimal('0.5')) for 3 h = 1.5 GiB*h.
    storage = rk.Meter("storage", "GiB*hour", rk.Continuous("size_gib"))
    usage = run(
        [
            rk.Event("a", "vol", at(0), {"size_gib": 0.5}, kind="start", id="e1"),
            rk.Event("a", "vol", at(3), kind="delete", id="e2"),
        ],
        storage,
    )
    assert usage.total() == Decimal("1.5")


def test_a_user_written_time_policy_plugs_in() -> None:
    class PublicIps:
        def level(self, description: Mapping[str, object]) -> Decimal | None:
            ips = description.get("public_ips", 0)
            return Decimal(str(ips)) if ips else None

    # 2 IPs for 1.5 h = 3 IP*hour; then none for an hour: nothing.
    meter = rk.Meter("ips", "IP*hour", PublicIps())
    usage = run(
        [
            rk.Event("a", "vm", at(0), {"public_ips": 2}, kind="start", id="e1"),
            rk.Event("a", "vm", at(1.5), {"public_ips": 0}, id="e2"),
            rk.Event("a", "vm", at(2.5), kind="delete", id="e3"),
        ],
        meter,
    )
    assert [(row.quantity, row.unit) for row in usage.rows] == [(Decimal(3), "IP*hour")]


def test_a_user_written_delta_policy_plugs_in_and_reports() -> None:
    class Capped:
        """Deltas capped at 100; each capped one is reported."""

        def accepts(self, kind: str) -> bool:
            return kind == "delta"

        def increments(
            self, readings: Sequence[rk.Sample], previous: rk.Sample | None, report: object
        ) -> list[tuple[int, int, Decimal, tuple[str, ...]]]:
            result = []
            for sample in readings:
                if sample.value > 100:
                    report("policy", f"{sample.id} capped at 100", [sample])  # type: ignore[operator]
                result.append((sample.at_us, sample.at_us, min(sample.value, Decimal(100)), ()))
            return result

    # 40 + min(250, 100) = 140
    meter = rk.Meter("calls", "count", Capped())
    usage = run(
        [
            rk.Sample("a", "api", "calls", at(1), 40, id="s1"),
            rk.Sample("a", "api", "calls", at(2), 250, id="s2"),
        ],
        meter,
    )
    assert usage.total() == Decimal(140)
    assert [(a.kind, a.message, a.record_ids) for a in usage.anomalies] == [
        ("policy", "s2 capped at 100", ("s2",))
    ]


# -- records and their errors -------------------------------------------------------------


def test_same_id_different_content_names_both_records() -> None:
    first = rk.Event("a", "vm", at(1), kind="start", id="e1")
    second = rk.Event("a", "vm", at(2), kind="start", id="e1")
    with pytest.raises(rk.ConflictingRecordError) as caught:
        run([first, second], RUNTIME)
    assert str(caught.value) == (
        "two records share the id 'e1' but differ: "
        "Event('a', 'vm', '2026-03-01T02:00:00Z', kind='start', id='e1') and "
        "Event('a', 'vm', '2026-03-01T01:00:00Z', kind='start', id='e1'); replaying a record "
        "must repeat it exactly, so give a corrected record a new id (or meter with "
        "conflicts='anomaly' to keep one version, by a fixed rule, and report the others)."
    )
    # The one that stands first (content digest 015b8721... of the 02:00 start <
    # d003550a... of the 01:00 one), in either order.
    with pytest.raises(rk.ConflictingRecordError) as again:
        run([second, first], RUNTIME)
    assert str(again.value) == str(caught.value)


def test_a_sample_for_an_unknown_meter_is_an_error() -> None:
    with pytest.raises(rk.UnknownMeterError) as caught:
        run([rk.Sample("a", "ip", "egress", at(1), 5, id="s1")], RUNTIME, BYTES)
    assert str(caught.value) == (
        "records[0]: sample 's1' meter 'egress' is not one of the meters given: 'bytes', "
        "'runtime'; declare a Meter with that name."
    )


def test_a_sample_of_the_wrong_kind_is_an_error() -> None:
    # Refused naming its position in the records given, its resource and instant.
    with pytest.raises(rk.BadRecordError) as caught:
        run([rk.Sample("a", "ip", "bytes", at(1), 5, kind="counter", id="s1")], BYTES)
    assert str(caught.value) == (
        f"records[0]: sample 's1' (resource 'ip' at {at(1)}) kind 'counter' does not fit "
        "meter 'bytes', whose policy takes 'delta'."
    )
    with pytest.raises(rk.BadRecordError) as timed:
        run([rk.Event("a", "vm", at(0), kind="start", id="e1"),
             rk.Sample("a", "vm", "runtime", at(1), 5, id="s2")], RUNTIME)  # fmt: skip
    assert str(timed.value) == (
        f"records[1]: sample 's2' (resource 'vm' at {at(1)}) kind 'delta' does not fit meter "
        "'runtime', whose policy takes no samples (it is time-based)."
    )
    # A gauge reading for a counter meter, as a feed may send it: the third record given.
    counter = rk.Meter("cpu", "ns", rk.Counter())
    readings = [
        rk.Sample("a", "vm", "cpu", at(0), 0, kind="counter", id="c0"),
        rk.Sample("a", "vm", "cpu", at(1), 5, kind="counter", id="c1"),
        rk.Sample("a", "vm", "cpu", at(2), 9, kind="gauge"),
    ]
    with pytest.raises(rk.BadRecordError) as gauge:
        run(readings, counter)
    assert str(gauge.value) == (
        f"records[2]: sample (gauge of 'cpu' of 'vm' of 'a' at {at(2)}, no id) kind 'gauge' does not "
        "fit meter 'cpu', whose policy takes 'counter'."
    )


def test_only_records_are_metered() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        run([("a", "vm")], RUNTIME)  # type: ignore[list-item]
    assert str(caught.value) == (
        "records[0]: metering takes Event, Sample and Inventory records, not tuple: ('a', 'vm'). A plain "
        "tuple is no record: make records of tuples with rk.RecordBatch.from_tuples(events="
        "[...], samples=[...]) and give the batch where records go."
    )


# -- the rules ------------------------------------------------------------------------------


def test_an_event_at_a_cycle_end_belongs_to_the_next_cycle() -> None:
    # A delta stamped exactly at 1 April 00:00 is April's; a start there runs in April only.
    usage = run(
        [
            rk.Sample("a", "ip", "bytes", "2026-04-01T00:00:00Z", 7, id="s1"),
            rk.Event("a", "vm", "2026-04-01T00:00:00Z", kind="start", id="e1"),
            rk.Event("a", "vm", "2026-04-01T01:00:00Z", kind="delete", id="e2"),
        ],
        BYTES,
        RUNTIME,
    )
    assert [(row.resource, row.cycle, row.quantity) for row in usage.rows] == [
        ("ip", APRIL, Decimal(7)),
        ("vm", APRIL, Decimal(1)),
    ]


def test_a_delta_over_a_span_is_apportioned_across_a_boundary() -> None:
    # 90 B sent over [31 Mar 23:00, 1 Apr 02:00): 1 h of 3 in March = 30, 2 h in April = 60.
    usage = run(
        [
            rk.Sample(
                "a",
                "ip",
                "bytes",
                "2026-04-01T02:00:00Z",
                90,
                since="2026-03-31T23:00:00Z",
                id="s1",
            )
        ],
        BYTES,
    )
    assert [(row.cycle, row.quantity) for row in usage.rows] == [
        (MARCH, Decimal(30)),
        (APRIL, Decimal(60)),
    ]


def test_a_third_of_a_delta_telescopes_exactly() -> None:
    # 100 B over 3 h, cut at every hour: 33.33...33, 33.33...33 (rounded F), 33.33...34;
    # the parts add up to exactly 100.
    cuts = [T0 + HOUR, T0 + 2 * HOUR]
    usage = run(
        [rk.Sample("a", "ip", "bytes", at(3), 100, since=at(0), id="s1")],
        BYTES,
        cuts={"bytes": cuts},
    )
    third = Decimal("33.333333333333333333333333")
    assert [row.quantity for row in usage.rows] == [
        third,
        Decimal("66.666666666666666666666667") - third,
        100 - Decimal("66.666666666666666666666667"),
    ]
    assert usage.total() == Decimal(100)


def test_negative_deltas_are_corrections() -> None:
    # 500 sent, then a correction of -120: 380.
    usage = run(
        [
            rk.Sample("a", "ip", "bytes", at(1), 500, id="s1"),
            rk.Sample("a", "ip", "bytes", at(2), -120, id="s2"),
        ],
        BYTES,
    )
    assert usage.total() == Decimal(380)
    assert usage.anomalies == ()


def test_a_counter_reset_counts_from_zero() -> None:
    # Readings 100, 300, 50, 80: deltas 200, then 50 (reset: from zero), then 30 = 280,
    # which is last - first + the reading before the reset: 80 - 100 + 300.
    usage = run(
        [
            rk.Sample("a", "ip", "counter", at(h), v, kind="counter", id=f"c{h}")
            for h, v in [(1, 100), (2, 300), (3, 50), (4, 80)]
        ],
        COUNTER,
    )
    assert usage.total() == Decimal(280)
    (anomaly,) = usage.anomalies
    assert anomaly.kind == "counter_reset"
    assert anomaly.record_ids == ("c3", "c2")
    assert str(anomaly) == (
        "sample 'c3' reads 50 at 2026-03-01T03:00:00Z, less than the 300 of sample 'c2' at "
        "2026-03-01T02:00:00Z: a counter reset, counted from zero (delta 50)."
    )


def test_cuts_split_time_in_proportion_and_deltas_by_instant() -> None:
    # A price change at 12:00: the 10:00-13:00 run splits 2 h + 1 h; a delta at exactly
    # 12:00 goes to the piece that contains it, the second one.
    cut = T0 + 12 * HOUR
    usage = run(
        [
            rk.Event("a", "vm", at(10), kind="start", id="e1"),
            rk.Event("a", "vm", at(13), kind="stop", id="e2"),
            rk.Sample("a", "vm", "bytes", at(12), 5, id="s1"),
        ],
        RUNTIME,
        BYTES,
        cuts={"runtime": [cut], "bytes": [cut]},
    )
    assert [(row.meter, format_us(row.span.start_us), row.quantity) for row in usage.rows] == [
        ("bytes", "2026-03-01T12:00:00Z", Decimal(5)),
        ("runtime", "2026-03-01T10:00:00Z", Decimal(2)),
        ("runtime", "2026-03-01T12:00:00Z", Decimal(1)),
    ]


def test_a_start_that_changes_nothing_is_a_duplicate() -> None:
    # START 512 at 08:00 and again at 09:00 with the same memory: one 3 h run to 11:00.
    usage = run(
        [
            rk.Event("a", "app", at(8), {"memory_mb": 512, "instances": 1}, kind="start", id="e1"),
            rk.Event("a", "app", at(9), {"memory_mb": 512}, kind="start", id="e2"),
            rk.Event("a", "app", at(11), kind="stop", id="e3"),
        ],
        MEMORY,
    )
    assert [row.quantity for row in usage.rows] == [Decimal(1536)]
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("duplicate_start", ("e2", "e1"))]


def test_events_after_a_delete_are_ignored_and_samples_counted() -> None:
    # Deleted at 02:00; a resize at 03:00 is ignored; 9 B measured at 04:00 still count.
    usage = run(
        [
            rk.Event("a", "vm", at(1), {"flavor": "m1"}, kind="start", id="e1"),
            rk.Event("a", "vm", at(2), kind="delete", id="e2"),
            rk.Event("a", "vm", at(3), {"flavor": "m2"}, id="e3"),
            rk.Sample("a", "vm", "bytes", at(4), 9, id="s1"),
        ],
        RUNTIME,
        BYTES,
    )
    assert [(row.meter, row.quantity, dict(row.description)) for row in usage.rows] == [
        ("bytes", Decimal(9), {}),
        ("runtime", Decimal(1), {"flavor": "m1"}),
    ]
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [
        ("after_delete", ("e3", "e2")),
        ("after_delete", ("s1",)),
    ]
    assert str(usage.anomalies[0]) == (
        "event 'e3' (update of 'vm' at 2026-03-01T03:00:00Z) comes after the resource was "
        "deleted at 2026-03-01T02:00:00Z: it is ignored."
    )


def test_an_update_of_an_unknown_resource_opens_it() -> None:
    # An "exists" notification for a resource whose start we never saw: it runs from it.
    usage = run(
        [rk.Event("a", "vm", at(5), {"flavor": "m1"}, id="e1")],
        RUNTIME,
        as_of="2026-03-01T07:00:00Z",
    )
    assert usage.total() == Decimal(2)


def test_records_at_or_after_as_of_are_not_known_yet() -> None:
    # as_of 10:00: the 10:00 stop is not known yet, so the run is metered 08:00-10:00.
    usage = run(
        [
            rk.Event("a", "vm", at(8), kind="start", id="e1"),
            rk.Event("a", "vm", at(10), kind="stop", id="e2"),
            rk.Sample("a", "vm", "bytes", at(10), 5, id="s1"),
        ],
        RUNTIME,
        BYTES,
        as_of=at(10),
    )
    assert [(row.meter, row.quantity) for row in usage.rows] == [("runtime", Decimal(2))]
    assert usage.state[0].status == "running"


def test_same_instant_events_without_ids_order_by_content() -> None:
    # Two updates at the same instant without ids or seq: the result does not depend on
    # their order (the later one in content order wins).
    first = rk.Event("a", "vm", at(1), {"flavor": "m1"}, kind="start")
    second = rk.Event("a", "vm", at(1), {"flavor": "m2"}, kind="start")
    end = rk.Event("a", "vm", at(2), kind="delete")
    one = run([first, second, end], RUNTIME)
    other = run([second, first, end], RUNTIME)
    assert one.rows == other.rows
    assert [dict(row.description) for row in one.rows] == [{"flavor": "m2"}]


# -- aggregations -------------------------------------------------------------------------


def gauge(hours: float, value: int, id: str) -> rk.Sample:  # noqa: A002
    return rk.Sample("a", "link", "bw", at(hours), value, kind="gauge", id=id)


def test_aggregations_per_cycle() -> None:
    # Readings 10 at 00:00, 40 at 01:00, 40 at 03:00, 20 at 04:00 (March), 30 on 1 April.
    records = [
        gauge(0, 10, "g1"),
        gauge(1, 40, "g2"),
        gauge(3, 40, "g3"),
        gauge(4, 20, "g4"),
        rk.Sample("a", "link", "bw", "2026-04-01T00:00:00Z", 30, kind="gauge", id="g5"),
    ]

    def by_cycle(policy: rk.SamplePolicy) -> list[Decimal]:
        return [row.quantity for row in run(records, rk.Meter("bw", "Mbit/s", policy)).rows]

    assert by_cycle(rk.Max()) == [Decimal(40), Decimal(30)]
    assert by_cycle(rk.Min()) == [Decimal(10), Decimal(30)]
    assert by_cycle(rk.Latest()) == [Decimal(20), Decimal(30)]
    assert by_cycle(rk.Count()) == [Decimal(4), Decimal(1)]
    assert by_cycle(rk.UniqueCount()) == [Decimal(3), Decimal(1)]
    # Nearest rank: 50th percentile of (10, 20, 40, 40) is rank ceil(0.5 * 4) = 2 -> 20.
    assert by_cycle(rk.Percentile(50)) == [Decimal(20), Decimal(30)]
    # Time-weighted mean in March: known from 00:00 to 1 April 00:00 (744 h):
    #   10 x 1 + 40 x 3 + 20 x 740 = 14930 -> 14930 / 744 = 20.067204301075268817204301...
    #   April (720 h): 30 all along -> 30.
    march, april = by_cycle(rk.TimeWeightedMean())
    assert march == CONTEXT.divide(Decimal(14930), Decimal(744))
    assert april == Decimal(30)


def test_95th_percentile_bandwidth() -> None:
    # 20 five-minute readings 1..20 Mbit/s: rank ceil(0.95 x 20) = 19 -> 19 Mbit/s; the
    # single highest burst (20) is not billed.
    records = [
        rk.Sample("a", "link", "bw", from_us(T0 + i * 5 * MINUTE), i + 1, kind="gauge", id=f"g{i}")
        for i in range(20)
    ]
    usage = run(records, rk.Meter("bw", "Mbit/s", rk.Percentile(95)))
    assert [row.quantity for row in usage.rows] == [Decimal(19)]
    assert len(usage.rows[0].record_ids) == 20


def test_percentile_refuses_a_bad_percent() -> None:
    # A percent out of range is a bad value (a ValueError), not a bad type.
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.Percentile(0)
    assert str(caught.value) == (
        "Percentile percent must be in (0, 100], not 0; the 95th percentile is Percentile(95)."
    )


# -- values ---------------------------------------------------------------------------------


def test_rows_and_usage_print_readably() -> None:
    usage = run(
        [
            rk.Event("a", "vm", at(1), {"flavor": "m1"}, kind="start", id="e1"),
            rk.Event("a", "vm", at(2), kind="stop", id="e2"),
            rk.Event("a", "vm", at(3), kind="stop", id="e3"),
        ],
        RUNTIME,
    )
    assert repr(usage) == "Usage(1 row, 1 anomaly, 1 resource)"
    assert repr(usage.rows[0]) == (
        "UsageRow('a', 'runtime', 'vm', '2026-03-01T01:00:00Z'..'2026-03-01T02:00:00Z', "
        "1 hour, {'flavor': 'm1'}, record_ids=('e1', 'e2'))"
    )
    with pytest.raises(TypeError):
        usage.rows[0].description["flavor"] = "m2"  # type: ignore[index]
    assert hash(usage.rows[0]) == hash(run(list(reversed(list(usage_records()))), RUNTIME).rows[0])


def usage_records() -> list[rk.Event]:
    return [
        rk.Event("a", "vm", at(1), {"flavor": "m1"}, kind="start", id="e1"),
        rk.Event("a", "vm", at(2), kind="stop", id="e2"),
    ]


def test_state_carries_a_counter_baseline() -> None:
    # Readings 100 at 01:00 (first call, as_of 02:00) and 160 at 03:00 (second call): the
    # second call's delta is 60, spread over [01:00, 03:00); its span [02:00, ...) gets 30.
    first = run(
        [rk.Sample("a", "ip", "counter", at(1), 100, kind="counter", id="c1")],
        COUNTER,
        as_of=at(2),
    )
    assert first.rows == ()
    second = run(
        [rk.Sample("a", "ip", "counter", at(3), 160, kind="counter", id="c2")],
        COUNTER,
        span=rk.Span(at(2), "2026-05-01T00:00:00Z"),
    )
    assert second.rows == ()  # without the baseline, one reading is only a baseline
    resumed = rk.meter(
        [rk.Sample("a", "ip", "counter", at(3), 160, kind="counter", id="c2")],
        [COUNTER],
        span=rk.Span(at(2), "2026-05-01T00:00:00Z"),
        cycle=MONTHLY,
        as_of="2026-05-01T00:00:00Z",
        state=first.state,
    )
    assert [(row.quantity, row.record_ids) for row in resumed.rows] == [(Decimal(30), ("c1", "c2"))]


# -- properties -----------------------------------------------------------------------------

RESOURCES = ("r1", "r2", "r3")
WINDOW_HOURS = 24 * 45  # 1 March to mid April: crosses the April cycle boundary


@st.composite
def fleets(draw: st.DrawFn) -> list[rk.Event | rk.Sample]:
    """A few resources with messy events (duplicates, orphans, resizes) and samples."""
    records: list[rk.Event | rk.Sample] = []
    number = itertools.count()
    for resource in RESOURCES:
        with_seq = draw(st.booleans())
        events = draw(
            st.lists(
                st.tuples(
                    st.integers(0, WINDOW_HOURS * 4),  # quarter-hours
                    st.sampled_from(["start", "update", "stop", "delete"]),
                    st.sampled_from([256, 512]),
                    st.integers(1, 3),
                ),
                max_size=8,
            )
        )
        for seq, (quarter, kind, memory, instances) in enumerate(events):
            attributes = {"memory_mb": memory, "instances": instances} if kind != "stop" else {}
            records.append(
                rk.Event(
                    "acct",
                    resource,
                    from_us(T0 + quarter * 15 * MINUTE),
                    attributes,
                    kind=kind,  # type: ignore[arg-type]
                    id=f"e{next(number)}",
                    seq=seq if with_seq else None,
                )
            )
        deltas = draw(
            st.lists(
                st.tuples(st.integers(0, WINDOW_HOURS), st.integers(0, 30), st.integers(-50, 1000)),
                max_size=5,
            )
        )
        for end, length, value in deltas:
            since = None if length == 0 else from_us(T0 + max(end - length, 0) * HOUR)
            records.append(
                rk.Sample(
                    "acct",
                    resource,
                    "bytes",
                    from_us(T0 + end * HOUR),
                    value,
                    since=since,
                    id=f"s{next(number)}",
                )
            )
        readings = draw(
            st.lists(
                st.tuples(st.integers(0, WINDOW_HOURS * 60), st.integers(0, 10_000)), max_size=5
            )
        )
        for minute, value in readings:
            records.append(
                rk.Sample(
                    "acct",
                    resource,
                    "counter",
                    from_us(T0 + minute * MINUTE),
                    value,
                    kind="counter",
                    id=f"c{next(number)}",
                )
            )
    return records


@st.composite
def messy_fleets(draw: st.DrawFn) -> list[rk.Event | rk.Sample | rk.Inventory]:
    """Fleets, some records stripped of their ids, and perhaps an inventory snapshot."""
    records: list[rk.Event | rk.Sample | rk.Inventory] = list(draw(fleets()))
    for index in draw(st.sets(st.integers(0, max(len(records) - 1, 0)), max_size=4)):
        if index < len(records):
            record = records[index]
            if isinstance(record, rk.Event):
                records[index] = rk.Event(
                    record.account,
                    record.resource,
                    record.at,
                    record.attributes,
                    kind=record.kind,
                    seq=record.seq,
                )
            elif isinstance(record, rk.Sample) and record.kind == "delta":
                records[index] = rk.Sample(
                    record.account, record.resource, record.meter, record.at, record.value
                )
    if draw(st.booleans()):
        listed = draw(st.sets(st.sampled_from(RESOURCES)))
        records.append(
            rk.Inventory(
                from_us(T0 + draw(st.integers(0, WINDOW_HOURS)) * HOUR),
                {("acct", r): {"memory_mb": 256, "instances": 1} for r in sorted(listed)},
                close=draw(st.sampled_from(["snapshot", "last_seen"])),
                id="inv",
            )
        )
    return records


ADDITIVE = (RUNTIME, MEMORY, BYTES, COUNTER)
REPORT = rk.Span(from_us(T0), from_us(T0 + WINDOW_HOURS * HOUR))
AS_OF = format_us(T0 + WINDOW_HOURS * HOUR)


def totals(usage: rk.Usage) -> dict[tuple[str, str, rk.Span], Decimal]:
    # Summed in ratekit's 60-digit context: the default 28 digits would round.
    result: dict[tuple[str, str, rk.Span], Decimal] = defaultdict(Decimal)
    for row in usage.rows:
        key = (row.resource, row.meter, row.cycle)
        result[key] = CONTEXT.add(result[key], row.quantity)
    return {key: value for key, value in result.items() if value}


def meter_all(
    records: Sequence[rk.Event | rk.Sample | rk.Inventory], span: rk.Span = REPORT
) -> rk.Usage:
    return rk.meter(records, ADDITIVE, span=span, cycle=MONTHLY, as_of=AS_OF)


@given(messy_fleets(), st.integers(1, WINDOW_HOURS * 4 - 1), st.integers(1, WINDOW_HOURS * 4 - 1))
def test_asking_for_a_span_is_the_sum_of_asking_for_its_pieces(
    records: list[rk.Event | rk.Sample | rk.Inventory], first: int, second: int
) -> None:
    low, high = sorted((first, second))
    cuts = sorted({T0, T0 + low * 15 * MINUTE, T0 + high * 15 * MINUTE, REPORT.end_us})
    whole = totals(meter_all(records))
    parts: dict[tuple[str, str, rk.Span], Decimal] = defaultdict(Decimal)
    for a, b in itertools.pairwise(cuts):
        for key, value in totals(meter_all(records, rk.Span.from_us(a, b))).items():
            parts[key] = CONTEXT.add(parts[key], value)
    assert {key: value for key, value in parts.items() if value} == whole


@given(messy_fleets(), st.randoms(use_true_random=False), st.data())
def test_arrival_order_does_not_matter(
    records: list[rk.Event | rk.Sample | rk.Inventory], random: object, data: st.DataObject
) -> None:
    # Replays included: which copy of a record comes first does not matter either.
    replayed = data.draw(st.lists(st.sampled_from(records), max_size=3)) if records else []
    messy = [*records, *replayed]
    shuffled = list(messy)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    one, other = meter_all(messy), meter_all(shuffled)
    assert one.rows == other.rows
    assert one.anomalies == other.anomalies
    assert one.state == other.state


@given(fleets())
def test_timelines_keep_their_invariants(records: list[rk.Event | rk.Sample]) -> None:
    # Strictly increasing breakpoints, one description, status and opener per piece.
    from ratekit import _normalize, _timelines

    by_resource: dict[str, list[rk.Event]] = defaultdict(list)
    for record in records:
        if isinstance(record, rk.Event):
            by_resource[record.resource].append(record)
    for resource, events in by_resource.items():
        line = _timelines.build_timeline("acct", resource, events, [], [], _normalize.Anomalies())
        line._check()
        # The clock is the running maximum of the stamps (an earlier stamp is clamped).
        assert line.clock_us == max(e.at_us for e in events)


@given(messy_fleets(), st.data())
def test_replaying_records_changes_no_row(
    records: list[rk.Event | rk.Sample | rk.Inventory], data: st.DataObject
) -> None:
    replayed = data.draw(st.lists(st.sampled_from(records), max_size=5)) if records else []
    again, once = meter_all([*records, *replayed]), meter_all(records)
    assert again.rows == once.rows
    # Each replay of a known record is one more duplicate (records without ids may
    # already repeat one another in the original).
    # Known by as_of: stamped before it, or a delta over a span that ends at it.
    known = [
        r
        for r in replayed
        if r.at_us < REPORT.end_us
        or (r.at_us == REPORT.end_us and isinstance(r, rk.Sample) and r.since_us is not None)
    ]

    def duplicates(usage: rk.Usage) -> int:
        return sum(a.kind == "duplicate" for a in usage.anomalies)

    assert duplicates(again) == duplicates(once) + len(known)


@given(fleets(), st.integers(1, WINDOW_HOURS * 4))
def test_on_off_time_never_exceeds_the_span(
    records: list[rk.Event | rk.Sample], quarters: int
) -> None:
    span = rk.Span.from_us(T0, T0 + quarters * 15 * MINUTE)
    events = [record for record in records if isinstance(record, rk.Event)]
    usage = rk.meter(events, [RUNTIME], span=span, cycle=MONTHLY, as_of=AS_OF)
    hours = Decimal(quarters) / 4
    for resource in RESOURCES:
        rows = [row for row in usage.rows if row.resource == resource]
        total = Decimal(0)
        for row in rows:
            total = CONTEXT.add(total, row.quantity)
        assert total <= hours
        for row in rows:
            assert row.span.start_us >= span.start_us
            assert row.span.end_us <= span.end_us
            assert row.quantity > 0


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10**12)), min_size=1, max_size=12))
def test_counter_deltas_sum_to_last_minus_first_plus_resets(
    readings: list[tuple[int, int]],
) -> None:
    # Readings at distinct minutes; the whole period is reported.
    by_minute = dict(readings)
    ordered = sorted(by_minute.items())
    records = [
        rk.Sample("a", "ip", "counter", from_us(T0 + m * MINUTE), v, kind="counter", id=f"c{m}")
        for m, v in ordered
    ]
    usage = rk.meter(records, [COUNTER], span=BOTH, cycle=MONTHLY, as_of=format_us(BOTH.end_us))
    values = [v for _, v in ordered]
    resets = sum(before for before, after in itertools.pairwise(values) if after < before)
    assert usage.total() == values[-1] - values[0] + resets
    assert sum(a.kind == "counter_reset" for a in usage.anomalies) == sum(
        after < before for before, after in itertools.pairwise(values)
    )


def test_a_stop_does_not_cut_a_sample_row_but_a_resize_does() -> None:
    # Egress 10 B at 09:00, a stop at 10:00, a start at 11:00 (same description), 20 B at
    # 12:00, a resize at 13:00, 30 B at 14:00: the description is {"flavor": "m1"} from
    # 08:00 to 13:00, so the first two deltas share a row (30 B), the third has its own.
    usage = run(
        [
            rk.Event("a", "vm", at(8), {"flavor": "m1"}, kind="start", id="e1"),
            rk.Sample("a", "vm", "bytes", at(9), 10, id="s1"),
            rk.Event("a", "vm", at(10), kind="stop", id="e2"),
            rk.Event("a", "vm", at(11), kind="start", id="e3"),
            rk.Sample("a", "vm", "bytes", at(12), 20, id="s2"),
            rk.Event("a", "vm", at(13), {"flavor": "m2"}, id="e4"),
            rk.Sample("a", "vm", "bytes", at(14), 30, id="s3"),
        ],
        BYTES,
    )
    assert [
        (format_us(row.span.start_us), row.quantity, dict(row.description), row.record_ids)
        for row in usage.rows
    ] == [
        ("2026-03-01T08:00:00Z", Decimal(30), {"flavor": "m1"}, ("s1", "s2")),
        ("2026-03-01T13:00:00Z", Decimal(30), {"flavor": "m2"}, ("s3",)),
    ]


def test_ids_are_unique_across_kinds_of_record() -> None:
    # An event and a sample, or an event and an inventory, may not share an id.
    event = rk.Event("a", "vm", at(1), kind="start", id="x1")
    with pytest.raises(rk.ConflictingRecordError):
        run([event, rk.Sample("a", "vm", "bytes", at(1), 5, id="x1")], RUNTIME, BYTES)
    with pytest.raises(rk.ConflictingRecordError):
        run([event, rk.Inventory(at(2), [("a", "vm")], id="x1")], RUNTIME)
    # The same inventory twice is a replay.
    inventory = rk.Inventory(at(2), [("a", "vm")], id="inv")
    usage = run([event, inventory, inventory], RUNTIME, as_of=at(3))
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("duplicate", ("inv",))]
    assert usage.total() == Decimal(2)


class Delegating:
    """A user-written policy that delegates to a built-in: the engine's general path."""

    def __init__(self, inner: rk.DeltaPolicy) -> None:
        self.inner = inner

    def accepts(self, kind: str) -> bool:
        return self.inner.accepts(kind)

    def increments(
        self, readings: Sequence[rk.Sample], previous: rk.Sample | None, report: object
    ) -> object:
        return self.inner.increments(readings, previous, report)  # type: ignore[arg-type]


@given(fleets(), st.integers(1, WINDOW_HOURS * 4))
def test_the_discrete_fast_path_agrees_with_the_protocol(
    records: list[rk.Event | rk.Sample], quarters: int
) -> None:
    # The engine sums Discrete's deltas at an instant directly; through the protocol (a
    # delegating policy) the rows are the same. Only a Discrete meter's rows are cut at
    # its corrections (a delta below zero: at an instant, at its stamp and one
    # microsecond after; over a window, at its ends, docs/usage.md), so the delegating
    # meter is given those cuts.
    kept = [r for r in records if isinstance(r, rk.Event) or r.meter == "bytes"]
    span = rk.Span.from_us(T0, T0 + quarters * 15 * MINUTE)
    fast = rk.meter(kept, [BYTES], span=span, cycle=MONTHLY, as_of=AS_OF)
    cuts: set[int] = set()
    for r in kept:
        if isinstance(r, rk.Sample) and r.value < 0:
            spread = r.since_us is not None and r.since_us != r.at_us
            cuts.update((r.since_us, r.at_us) if spread else (r.at_us, r.at_us + 1))  # type: ignore[arg-type]
    inside = sorted(t for t in cuts if span.start_us < t < span.end_us)
    general = rk.meter(
        kept,
        [rk.Meter("bytes", "B", Delegating(rk.Discrete()))],  # type: ignore[arg-type]
        span=span,
        cycle=MONTHLY,
        as_of=AS_OF,
        cuts={"bytes": inside},
    )

    def view(usage: rk.Usage) -> list[tuple[object, ...]]:
        return [
            (row.resource, row.span, row.cycle, row.quantity, set(row.record_ids))
            for row in usage.rows
        ]

    assert view(fast) == view(general)


@given(fleets(), st.integers(1, WINDOW_HOURS * 4 - 1))
def test_carried_state_continues_exactly(records: list[rk.Event | rk.Sample], quarter: int) -> None:
    # Meter the records before T up to T; carry the state; meter the records from T on
    # over [T, end): the rows are those of metering everything over [T, end) at once.
    # (Without seq: a later batch cannot reorder what an earlier one applied.)
    plain = [
        rk.Event(r.account, r.resource, r.at, r.attributes, kind=r.kind, id=r.id)
        if isinstance(r, rk.Event)
        else r
        for r in records
    ]
    t = T0 + quarter * 15 * MINUTE
    before = [r for r in plain if r.at_us < t]
    after = [r for r in plain if r.at_us >= t]
    first = rk.meter(before, ADDITIVE, span=REPORT, cycle=MONTHLY, as_of=format_us(t))
    rest = rk.Span.from_us(t, REPORT.end_us)
    second = rk.meter(after, ADDITIVE, span=rest, cycle=MONTHLY, as_of=AS_OF, state=first.state)
    whole = rk.meter(plain, ADDITIVE, span=rest, cycle=MONTHLY, as_of=AS_OF)
    assert second.rows == whole.rows
    assert second.state == whole.state


def test_a_usage_row_converts_its_quantity_at_the_door() -> None:
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    row = rk.UsageRow("a", "egress", "ip", span, MARCH, 0.1, "GB", {"zone": "eu"}, ["s1"])
    assert row.quantity == Decimal("0.1")
    assert isinstance(row.quantity, Decimal)
    assert row.record_ids == ("s1",)
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.UsageRow("a", "egress", "ip", span, MARCH, "lots", "GB", {}, ())
    assert str(caught.value) == (
        "UsageRow quantity 'lots' is not a decimal number; write it like '12.5' or '1e9'."
    )


def test_a_user_written_sample_policy_plugs_in() -> None:
    class Spread:
        """The largest minus the smallest gauge reading of the piece."""

        def accepts(self, kind: str) -> bool:
            return kind == "gauge"

        def aggregate(
            self,
            readings: Sequence[rk.Sample],
            start_us: int,
            end_us: int,
            before: rk.Sample | None,
        ) -> Decimal | None:
            values = [sample.value for sample in readings]
            return max(values) - min(values) if values else None

    # Readings 10, 40, 25 in March: 40 - 10 = 30; one reading in April: 0.
    records = [
        gauge(1, 10, "g1"),
        gauge(2, 40, "g2"),
        gauge(3, 25, "g3"),
        rk.Sample("a", "link", "bw", "2026-04-02T00:00:00Z", 7, kind="gauge", id="g4"),
    ]
    usage = run(records, rk.Meter("bw", "Mbit/s", Spread()))
    assert [(row.cycle, row.quantity) for row in usage.rows] == [
        (MARCH, Decimal(30)),
        (APRIL, Decimal(0)),
    ]


def test_a_delta_over_a_span_that_ends_at_as_of_is_known_by_then():
    # A delta of 5 calls over March, stamped at March's end: by as_of = March's end its whole
    # span lies before as_of, so it is metered (5), not left out as "not yet". A delta at an
    # instant stamped at as_of is not known yet (half-open: as_of itself is the future).
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    calls = [rk.Meter("calls", "call", rk.Discrete())]
    spanned = rk.Sample("a", "r", "calls", march.end, 5, since=march.start, id="d")
    instant = rk.Sample("a", "r", "calls", march.end, 7, id="i")
    usage = rk.meter(
        [spanned, instant], calls, span=march, cycle=rk.cycles.monthly(tz="UTC"), as_of=march.end
    )
    assert [(row.quantity, row.record_ids) for row in usage.rows] == [(Decimal(5), ("d",))]
    assert usage.no_effect == (("i", "not_yet"),)


@pytest.mark.parametrize("shuffled", [False, True])
def test_replays_without_ids_are_found_per_group_in_any_arrival_order(shuffled: bool) -> None:
    # Records without an id are known by their content: each replay (here arriving after
    # other records, or right after its original) is one duplicate, the first copy kept.
    # Bytes: 100 at 10:00 + 200 at 11:00 = 300 (each replay dropped); runtime 10:00-12:00
    # = 2 hours (the START's replay is dropped, not a duplicate_start).
    start = rk.Event("acme", "vm-1", "2026-03-01T10:00:00Z", {"flavor": "a"}, kind="start")
    stop = rk.Event("acme", "vm-1", "2026-03-01T12:00:00Z", kind="stop")
    first = rk.Sample("acme", "vm-1", "bytes", "2026-03-01T10:00:00Z", 100)
    other = rk.Sample("acme", "vm-1", "bytes", "2026-03-01T10:00:00Z", 7, kind="delta", seq=1)
    second = rk.Sample("acme", "vm-1", "bytes", "2026-03-01T11:00:00Z", 200)
    if shuffled:
        records = [second, start, first, other, stop, first, start, second]
    else:
        records = [start, start, first, other, first, second, second, stop]
    usage = rk.meter(
        records, [RUNTIME, BYTES], span=MARCH, cycle=MONTHLY, as_of="2026-04-01T00:00:00Z"
    )
    quantities = {row.meter: row.quantity for row in usage.rows}
    assert quantities == {"runtime": Decimal(2), "bytes": Decimal(307)}
    replayed = "was received twice: the replay is ignored."
    assert [str(a) for a in usage.anomalies] == [
        f"event (start of 'vm-1' of 'acme' at 2026-03-01T10:00:00Z, no id) {replayed}",
        f"sample (delta of 'bytes' of 'vm-1' of 'acme' at 2026-03-01T10:00:00Z, no id) {replayed}",
        f"sample (delta of 'bytes' of 'vm-1' of 'acme' at 2026-03-01T11:00:00Z, no id) {replayed}",
    ]


def test_a_tie_of_many_events_keeps_the_fixed_order_in_linear_time() -> None:
    # 1,000 events of one VM at one instant (start, stop, update, delete, ...): beyond 256
    # tied events the fixed order is kept (start, update, stop, delete, then by id): the
    # first start runs the VM, the other starts are duplicates, the updates apply, the
    # first stop stops it, the other stops are duplicates, the first delete deletes it,
    # the others come after the delete. Nothing runs: no usage.
    meter = rk.Meter("vm", "hour", rk.OnOff())
    kinds = ["start", "stop", "update", "delete"] * 250
    records = [
        rk.Event("a", "v", "2026-03-01T01:00:00Z", kind=kind, id=f"e{i:04}")
        for i, kind in enumerate(kinds)
    ]
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T03:00:00Z")
    usage = rk.meter(records, [meter], span=span, cycle=rk.cycles.hourly(), as_of=span.end)
    assert usage.rows == ()
    counts = Counter(a.kind for a in usage.anomalies)
    assert counts["duplicate_start"] == 249
    assert counts["duplicate_stop"] == 249
    assert counts["after_delete"] == 249


def test_metered_rows_are_usage_rows_themselves_and_frozen() -> None:
    # Metering builds each row as a private twin of UsageRow (plain stores), then makes
    # it a UsageRow: nothing of the twin may show (its type, its setter, a pickle).
    egress = rk.Meter("egress", "B", rk.Discrete())
    records = [
        rk.Event(
            "a", "vm-1", "2026-03-01T00:00:00Z", {"memory_mb": 2, "instances": 1}, kind="start"
        ),
        rk.Event("a", "vm-1", "2026-03-01T02:00:00Z", kind="stop"),
        rk.Sample("a", "vm-1", "egress", "2026-03-01T01:00:00Z", 10),
    ]
    rows = rk.meter(
        records, [RUNTIME, MEMORY, egress], span=MARCH, cycle=MONTHLY, as_of=MARCH.end
    ).rows
    # runtime 2 h; memory 2 MB x 1 x 2 h = 4 MB*hour; egress 10 B
    assert [(row.meter, row.quantity) for row in rows] == [
        ("egress", Decimal(10)),
        ("memory", Decimal(4)),
        ("runtime", Decimal(2)),
    ]
    for row in rows:
        assert type(row) is rk.UsageRow
        assert pickle.loads(pickle.dumps(row)) == row
        with pytest.raises(AttributeError):
            row.quantity = Decimal(1)  # type: ignore[misc]


def test_deltas_of_one_piece_sum_exactly_under_any_caller_context() -> None:
    # Three deltas at instants in one piece, from a batch (the columns' sum) and from
    # Samples: 1234567890.123456789 + 9876543210.987654321 + 1E+2 = 11111111201.111111110,
    # 21 digits, whatever precision, rounding or traps the caller's context has.
    values = [Decimal("1234567890.123456789"), Decimal("9876543210.987654321"), Decimal("1E+2")]
    samples = [("acme", "ip-1", "bytes", T0 + k * HOUR, value) for k, value in enumerate(values)]
    hostile = decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR, traps=[decimal.Inexact])
    for records in (
        rk.RecordBatch.from_tuples(samples=samples),
        [rk.Sample(*sample[:3], from_us(sample[3]), sample[4]) for sample in samples],
    ):
        with decimal.localcontext(hostile):
            usage = rk.meter(records, [BYTES], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
        assert [row.quantity for row in usage.rows] == [Decimal("11111111201.11111111")]
        assert str(usage.rows[0].quantity) == "11111111201.11111111"
