"""``ceilometer.samples(describe=True)``: the description follows the metadata in time, not in the feed's order.

Ceilometer's ``/v2/samples`` lists samples newest first, and publisher batches from several
agents arrive in no particular order; the records (and so the bill) must not depend on it.
A sample's metadata is its resource's whole metadata: a key it no longer has is removed.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._nova import notification

import ratekit as rk
from _budget import LAWS
from ratekit.adapters import ceilometer

H = 3600 * 10**9  # an hour of CPU time, in ns
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")


def cpu(
    message_id: str, at: str, volume: int, metadata: dict[str, object], resource: str = "vm-1"
) -> dict[str, object]:
    return {
        "message_id": message_id,
        "counter_name": "cpu",
        "counter_type": "cumulative",
        "counter_unit": "ns",
        "counter_volume": volume,
        "project_id": "p-1",
        "resource_id": resource,
        "timestamp": at,
        "resource_metadata": metadata,
    }


def small_or_large(metadata: object) -> str:
    return "s" if metadata == {"size": "small"} else "l"


def _key(record: rk.Event | rk.Sample) -> str:
    return repr(record)


def read(feed: list[dict[str, object]]) -> list[rk.Event | rk.Sample]:
    return ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS], describe=True)


PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("small", "cpu", rk.PerUnit("0.10"), where={"size": "small"}),
        rk.PriceEntry("large", "cpu", rk.PerUnit("1.00"), where={"size": "large"}),
    ],
)


def test_the_bill_is_the_same_in_every_order_of_the_feed() -> None:
    # 08:00 reading 0 (small), 10:00 reading 3 h (large), 11:00 reading 4 h (large).
    # A cumulative reading's delta is priced under the description before it:
    # 08->10 is 3 h under small = 3 x 0.10 = 0.30; 10->11 is 1 h under large = 1 x 1.00 = 1.00.
    # Total 1.30 in all 6 orders (newest first, as /v2/samples lists, was 0.40).
    feed = [
        cpu("s1", "2026-03-02T08:00:00Z", 0, {"size": "small"}),
        cpu("s3", "2026-03-02T10:00:00Z", 3 * H, {"size": "large"}),
        cpu("s4", "2026-03-02T11:00:00Z", 4 * H, {"size": "large"}),
    ]
    first = sorted(map(_key, read(feed)))
    for order in itertools.permutations(feed):
        records = read(list(order))
        assert sorted(map(_key, records)) == first
        rating = rk.rate(records, PLAN, span=MARCH, meters=[ceilometer.CPU_HOURS])
        assert rating.total() == Decimal("1.30")
        assert sorted((charge.entry, charge.quantity) for charge in rating.charges) == [
            ("large", Decimal(1)),
            ("small", Decimal(3)),
        ]


def test_newest_first_describes_the_first_hour() -> None:
    # Two small readings, 0 at 08:00 and 1 h at 09:00, listed newest first: the update
    # comes at 08:00, so 08->09 is 1 h under small = 0.10 (was: UnpricedUsageError).
    feed = [
        cpu("s2", "2026-03-02T09:00:00Z", H, {"size": "small"}),
        cpu("s1", "2026-03-02T08:00:00Z", 0, {"size": "small"}),
    ]
    records = read(feed)
    assert [(record.id, record.at.hour) for record in records] == [
        ("s2", 9),
        ("s1/metadata", 8),
        ("s1", 8),
    ]
    assert rk.rate(records, PLAN, span=MARCH, meters=[ceilometer.CPU_HOURS]).total() == Decimal(
        "0.10"
    )


def test_a_key_the_metadata_drops_leaves_the_description() -> None:
    # The gpu tag is on the samples at 08:00 and 09:00, gone from 10:00 on. Priced under
    # the description before each reading: 08->09 and 09->10 under gpu, 2 h x 1.00 = 2.00;
    # 10->11 without it, 1 h x 0.10 = 0.10. Total 2.10 (was 3.00: the tag stayed).
    gpu = {"flavor": {"name": "m1.small"}, "billing": "gpu"}
    plain = {"flavor": {"name": "m1.small"}}
    feed = [
        cpu("s1", "2026-03-02T08:00:00Z", 0, gpu),
        cpu("s2", "2026-03-02T09:00:00Z", H, gpu),
        cpu("s3", "2026-03-02T10:00:00Z", 2 * H, plain),
        cpu("s4", "2026-03-02T11:00:00Z", 3 * H, plain),
    ]
    records = read(feed)
    updates = [record for record in records if isinstance(record, rk.Event)]
    assert [(update.id, dict(update.attributes).get("billing", "-")) for update in updates] == [
        ("s1/metadata", "gpu"),
        ("s3/metadata", None),
    ]
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.10")),
            rk.PriceEntry("gpu", "cpu", rk.PerUnit("1.00"), where={"billing": "gpu"}, priority=1),
        ],
    )
    rating = rk.rate(records, plan, span=MARCH, meters=[ceilometer.CPU_HOURS])
    assert rating.total() == Decimal("2.10")
    assert sorted((charge.entry, charge.quantity) for charge in rating.charges) == [
        ("cpu", Decimal(1)),
        ("gpu", Decimal(2)),
    ]


def test_at_one_instant_the_sample_whose_id_sorts_first_describes() -> None:
    # Two samples of vm-1 at 08:00 (a cpu reading and a cpu reading of another agent) that
    # disagree: "a" sorts before "b", so small describes vm-1 from 08:00 in both orders;
    # the 09:00 reading (1 h) is priced small: 0.10.
    feed = [
        cpu("b", "2026-03-02T08:00:00Z", 0, {"size": "large"}, resource="vm-1"),
        cpu("a", "2026-03-02T08:00:00Z", 0, {"size": "small"}, resource="vm-1"),
        cpu("c", "2026-03-02T09:00:00Z", H, {"size": "small"}, resource="vm-1"),
    ]
    for order in (feed, feed[::-1]):
        records = read(order)
        assert [record.id for record in records if isinstance(record, rk.Event)] == ["a/metadata"]
        rating = rk.rate(records, PLAN, span=MARCH, meters=[ceilometer.CPU_HOURS])
        assert rating.total() == Decimal("0.10")


def test_a_sample_delivered_again_with_other_metadata_is_refused() -> None:
    feed = [
        cpu("s1", "2026-03-02T08:00:00Z", 0, {"size": "small"}),
        cpu("s1", "2026-03-02T08:00:00Z", 0, {"size": "large"}),
    ]
    with pytest.raises(rk.BadRecordError) as caught:
        read(feed)
    assert str(caught.value) == (
        "Ceilometer sample [1].resource_metadata differs from [0].resource_metadata, whose "
        "sample has the same id 's1': a sample delivered again must carry the same metadata."
    )


METADATA = [{}, {"size": "small"}, {"size": "large"}, {"size": "small", "gpu": True}]


@st.composite
def feeds(draw: st.DrawFn) -> list[dict[str, object]]:
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["vm-1", "vm-2"]),
                st.integers(0, 3),
                st.sampled_from(METADATA),
            ),
            min_size=1,
            max_size=6,
        )
    )
    return [
        cpu(f"s{index}", f"2026-03-02T0{hour}:00:00Z", hour * H, dict(metadata), resource)
        for index, (resource, hour, metadata) in enumerate(rows)
    ]


def _in_force(records: list[rk.Event | rk.Sample], resource: str, hour: int) -> dict[str, object]:
    """The description at ``hour``: the updates up to it folded in time order (None removes)."""
    description: dict[str, object] = {}
    for event in sorted(
        (r for r in records if isinstance(r, rk.Event) and r.resource == resource),
        key=lambda event: event.at_us,
    ):
        if event.at.hour > hour:
            break
        for key, value in event.attributes.items():
            if value is None:
                description.pop(key, None)
            else:
                description[key] = value
    return description


@settings(max_examples=LAWS)
@given(feeds(), st.randoms(use_true_random=False))
def test_any_order_of_the_feed_gives_the_same_records_and_descriptions(
    feed: list[dict[str, object]], random: object
) -> None:
    shuffled = list(feed)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    records, again = read(feed), read(shuffled)
    assert sorted(map(_key, records)) == sorted(map(_key, again))
    # Oracle: at each sampled instant, the description is the metadata of the sample there
    # whose id sorts first; one update per resource and instant at most.
    for resource in ("vm-1", "vm-2"):
        for hour in range(4):
            here = sorted(
                (str(item["message_id"]), item["resource_metadata"])
                for item in feed
                if item["resource_id"] == resource and item["timestamp"][11:13] == f"0{hour}"
            )
            if here:
                assert _in_force(again, resource, hour) == here[0][1]
        instants = [
            record.at_us
            for record in again
            if isinstance(record, rk.Event) and record.resource == resource
        ]
        assert len(instants) == len(set(instants))


def _nova(event_type: str, message_id: str, at: str, state: str) -> dict[str, object]:
    return notification(event_type, message_id, at, state=state)


_BOTH_PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("small", "instance.hours", rk.PerUnit("0.04"), where={"flavor": "m1.small"}),
        rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.10")),
    ],
)


@pytest.mark.parametrize("state", ["running", "active", "RUNNING", "blocked"])
def test_an_instance_described_by_both_feeds_is_billed_as_by_nova_alone(state: str) -> None:
    # Nova: created (active) at 08:00, deleted at 12:00. Ceilometer's cpu samples at 09:00
    # (0) and 10:00 (1 h) carry the instance's metadata with its own state word, which an
    # update would write over Nova's "active": read as Nova's vm_state, it keeps billing.
    # 4 h x 0.04 (instance) + 1 h x 0.10 (cpu) = 0.16 + 0.10 = 0.26.
    events = ceilometer.instance_notifications(
        [
            _nova("create.end", "n1", "2026-03-02T08:00:00Z", "active"),
            _nova("delete.end", "n2", "2026-03-02T12:00:00Z", "deleted"),
        ]
    )
    metadata: dict[str, object] = {
        "flavor": {"name": "m1.small", "vcpus": 1},
        "state": state,
        "status": "active",
    }
    feed = [
        cpu("s1", "2026-03-02T09:00:00Z", 0, metadata),
        cpu("s2", "2026-03-02T10:00:00Z", H, metadata),
    ]
    samples = read(feed)
    assert samples[0].attributes["state"] == "active"  # type: ignore[union-attr]
    assert samples[0].attributes["status"] == "active"  # type: ignore[union-attr]
    meters = [ceilometer.INSTANCE_HOURS, ceilometer.CPU_HOURS]
    both = rk.rate(events + samples, _BOTH_PLAN, span=MARCH, meters=meters)
    assert both.total() == Decimal("0.26")
    hours: dict[str, Decimal] = {}
    for charge in both.charges:  # the instance's hours split where the description changed
        hours[charge.entry] = hours.get(charge.entry, Decimal(0)) + charge.quantity
    assert hours == {"cpu": Decimal(1), "small": Decimal(4)}
    # Nova alone: the same 4 instance hours, 0.16.
    alone = rk.rate(events, _BOTH_PLAN, span=MARCH, meters=meters)
    assert alone.total() == Decimal("0.16")


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("running", "active"),
        ("blocked", "active"),
        ("shutdown", "stopped"),
        ("shutoff", "stopped"),
        ("SHUTOFF", "stopped"),
        ("pending", "building"),
        ("crashed", "error"),
        ("pmsuspended", "suspended"),
        ("rescued", "rescued"),
        ("Resized", "resized"),
        ("shelved_offloaded", "shelved_offloaded"),
    ],
)
def test_ceilometer_state_words_are_read_as_nova_vm_states(written: str, read_as: str) -> None:
    records = read([cpu("s1", "2026-03-02T09:00:00Z", 0, {"state": written})])
    assert records[0].attributes == {"state": read_as}  # type: ignore[union-attr]


def test_a_stopped_instance_in_ceilometer_stops_nova_billing() -> None:
    # Nova: active from 08:00, deleted at 12:00; Ceilometer's sample at 10:00 says the
    # domain is shut off: 08:00..10:00 billed, 2 h x 0.04 = 0.08 (the cpu counter's
    # single reading is its baseline: 0 h).
    events = ceilometer.instance_notifications(
        [
            _nova("create.end", "n1", "2026-03-02T08:00:00Z", "active"),
            _nova("delete.end", "n2", "2026-03-02T12:00:00Z", "deleted"),
        ]
    )
    samples = read([cpu("s1", "2026-03-02T10:00:00Z", 0, {"state": "shutoff"})])
    meters = [ceilometer.INSTANCE_HOURS, ceilometer.CPU_HOURS]
    rating = rk.rate(events + samples, _BOTH_PLAN, span=MARCH, meters=meters)
    assert rating.total() == Decimal("0.08")
