"""A flag in Ceilometer's metadata is not the number 1, as in every description.

Python counts ``True == 1``; a description does not (``{"gpu": True}`` and ``{"gpu": 1}``
are two descriptions: a price for ``where={"gpu": True}`` selects one of them). So a
sample's metadata that turns ``1`` into ``true`` changes the description, and a sample
delivered again with ``true`` where it had ``1`` carries other metadata.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _budget import LAWS
from _ceilometer_gauges import gauge
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [
        rk.PriceEntry("flag", "vm.hours", rk.PerUnit("1.00"), where={"gpu": True}),
        rk.PriceEntry("one", "vm.hours", rk.PerUnit("2.00"), where={"gpu": 1}),
    ],
)


def read(feed: list[dict[str, object]]) -> list[rk.Event | rk.Sample]:
    meter = rk.Meter("memory.usage", "MiB", rk.Max())
    return ceilometer.samples(feed, meters=[meter], describe=True)


def test_metadata_that_turns_one_into_true_changes_the_description() -> None:
    records = read([gauge("s1", 8, {"gpu": 1}), gauge("s2", 10, {"gpu": True})])
    updates = [(r.at.hour, dict(r.attributes)) for r in records if isinstance(r, rk.Event)]
    assert updates == [(8, {"gpu": 1}), (10, {"gpu": True})]
    assert type(updates[1][1]["gpu"]) is bool
    # Rated as of 12:00: gpu 1 from 08:00 to 10:00, 2 h x 2.00 = 4.00; gpu true from
    # 10:00 to 12:00, 2 h x 1.00 = 2.00; 6.00 in all (not 4 h x 2.00 = 8.00).
    events = [record for record in records if isinstance(record, rk.Event)]
    rating = rk.rate(events, PLAN, span=MARCH, meters=[HOURS], as_of="2026-03-02T12:00:00Z")
    assert rating.total() == Decimal("6.00")


def test_a_sample_delivered_again_with_true_for_one_is_refused() -> None:
    feed = [gauge("s1", 8, {"gpu": 1}), gauge("s1", 8, {"gpu": True})]
    with pytest.raises(rk.BadRecordError) as caught:
        read(feed)
    assert str(caught.value) == (
        "Ceilometer sample [1].resource_metadata differs from [0].resource_metadata, whose "
        "sample has the same id 's1': a sample delivered again must carry the same metadata."
    )


def test_a_flag_nested_in_a_list_differs_from_one_too() -> None:
    feed = [gauge("s1", 8, {"gpu": [1]}), gauge("s1", 8, {"gpu": [True]})]
    with pytest.raises(rk.BadRecordError):
        read(feed)


@settings(max_examples=LAWS)
@given(
    st.lists(
        st.tuples(st.integers(8, 11), st.sampled_from([{"gpu": 1}, {"gpu": True}, {}])),
        min_size=1,
        max_size=6,
    ),
    st.randoms(use_true_random=False),
)
def test_any_order_of_a_feed_of_flags_and_ones_gives_the_same_records(
    rows: list[tuple[int, dict[str, object]]], random: object
) -> None:
    feed = [gauge(f"s{index}", hour, dict(metadata)) for index, (hour, metadata) in enumerate(rows)]
    shuffled = list(feed)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    records = read(feed)
    assert sorted(map(repr, records)) == sorted(map(repr, read(shuffled)))
    # Oracle: at each sampled hour the description is the metadata, as written (its repr
    # tells true from 1), of the sample there whose id sorts first.
    in_force: dict[str, object] = {}
    events = sorted((r for r in records if isinstance(r, rk.Event)), key=lambda e: e.at_us)
    by_hour: dict[int, str] = {}
    for event in events:
        in_force = {
            **{k: v for k, v in in_force.items() if k not in event.attributes},
            **{k: v for k, v in event.attributes.items() if v is not None},
        }
        by_hour[event.at.hour] = repr(in_force)
    hours = sorted({hour for hour, _ in rows})
    current = repr({})
    for hour in hours:
        current = by_hour.get(hour, current)
        first = min((f"s{i}", m) for i, (h, m) in enumerate(rows) if h == hour)[1]
        assert current == repr(first)
