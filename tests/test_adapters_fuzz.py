"""Every adapter, on arbitrary JSON-like input, returns records or raises a RatekitError.

Two kinds of input: anything JSON can hold (and a little more: NaN, infinities, huge
integers), and the realistic payloads of ``tests/data/`` with one value somewhere
replaced by anything, or removed, which reaches far deeper into each adapter.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit.adapters import borel, ceilometer, cloudevents, cloudfoundry, exoscale

DATA = Path(__file__).parent / "data"

SPEC = cloudevents.Spec(
    {"com.example.llm.tokens": "llm.tokens"}, quantity="data.usage.tokens", resource="data.model"
)
ADAPTERS: dict[str, Callable[[object], object]] = {
    "cf apps": cloudfoundry.app_usage_events,
    "cf apps by space": lambda feed: cloudfoundry.app_usage_events(feed, account="space"),
    "cf services": cloudfoundry.service_usage_events,
    "exoscale": exoscale.usage_events,
    "exoscale by version": lambda feed: exoscale.usage_events(feed, order="version"),
    "cloudevents": lambda feed: cloudevents.usage_events(feed, SPEC),
    "borel": lambda feed: borel.usage_rows(
        feed, period=rk.Span("2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z")
    ),
    "ceilometer samples": lambda feed: ceilometer.samples(
        feed, meters=[ceilometer.CPU_HOURS, ceilometer.NETWORK_OUT], describe=True, naive_utc=True
    ),
    "nova notifications": lambda feed: ceilometer.instance_notifications(feed, naive_utc=True),
}
FEEDS: dict[str, object] = {
    "cf apps": json.loads((DATA / "cloudfoundry" / "app_usage_events_v2.json").read_text())[:2],
    "cf apps v3": json.loads((DATA / "cloudfoundry" / "app_usage_events_v3.json").read_text())[:2],
    "cf services": json.loads((DATA / "cloudfoundry" / "service_usage_events_v3.json").read_text()),
    "exoscale": json.loads((DATA / "exoscale" / "usage_events.json").read_text()),
    "cloudevents": json.loads((DATA / "cloudevents" / "llm_tokens.json").read_text()),
    "borel": json.loads((DATA / "borel" / "usage_first_half.json").read_text()),
    "ceilometer samples": json.loads((DATA / "ceilometer" / "samples.json").read_text()),
    "nova notifications": json.loads(
        (DATA / "ceilometer" / "instance_notifications.json").read_text()
    ),
}

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(
        ["STARTED", "STOPPED", "TASK_STARTED", "CREATED", "DELETED", "create", "destroy", "1.0",
         "2026-03-02T08:00:00Z", "2026-03-02 08:00:00", "9999-12-31T23:59:59-23:59", "cpu-ns",
         "MB-ns", "B", "ns", "cumulative", "gauge", "delta", "usage", "vm", "data.x", "-1", "1e999",
         "NaN", "compute.instance.create.end", "compute.instance.delete.start"]
    ),
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _call(name: str, feed: object) -> None:
    with contextlib.suppress(rk.RatekitError):
        ADAPTERS[name](feed)


@given(st.sampled_from(sorted(ADAPTERS)), JSON)
def test_arbitrary_json_gives_records_or_a_ratekit_error(name: str, feed: object) -> None:
    _call(name, feed)
    _call(name, [feed])
    _call(name, {"resources": [feed]})


def _paths(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _mutated(feed: object, path: tuple[object, ...], replacement: object, remove: bool) -> object:
    copy = json.loads(json.dumps(feed))
    if not path:
        return replacement
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if remove and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copy


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, object]:
    feed_name = draw(st.sampled_from(sorted(FEEDS)))
    feed = FEEDS[feed_name]
    path = draw(st.sampled_from(_paths(feed)))
    mutated = _mutated(feed, path, draw(JSON), draw(st.booleans()))
    adapter = feed_name.removesuffix(" v3")
    return adapter, mutated


@given(mutations())
def test_a_realistic_payload_with_one_value_broken_gives_records_or_a_ratekit_error(
    case: tuple[str, object],
) -> None:
    name, feed = case
    _call(name, feed)


@given(JSON, JSON, JSON, JSON)
def test_a_cloudevents_spec_from_arbitrary_json_is_built_or_refused_with_a_ratekit_error(
    meters: object, quantity: object, account: object, resource: object
) -> None:
    with contextlib.suppress(rk.RatekitError):
        cloudevents.Spec(meters, quantity=quantity, account=account, resource=resource)  # type: ignore[arg-type]
    with contextlib.suppress(rk.RatekitError):
        cloudevents.Spec(
            {"t": "m"}, quantity={"t": quantity} if isinstance(quantity, str) else quantity
        )  # type: ignore[arg-type]


READY_METERS: dict[str, list[rk.Meter]] = {
    "cf apps": [cloudfoundry.APP_MEMORY, cloudfoundry.APP_INSTANCE_HOURS],
    "cf services": [cloudfoundry.SERVICE_INSTANCE_HOURS],
    "exoscale": [exoscale.INSTANCE_HOURS],
    "cloudevents": [rk.Meter("llm.tokens", "count", rk.Discrete())],
    "borel": list(borel.METERS),
    "ceilometer samples": [ceilometer.CPU_HOURS, ceilometer.NETWORK_OUT],
    "nova notifications": [
        ceilometer.INSTANCE_HOURS,
        ceilometer.VCPU_HOURS,
        ceilometer.MEMORY_MB_HOURS,
    ],
}


@given(mutations())
def test_what_an_adapter_reads_from_a_broken_payload_rates_or_raises_a_ratekit_error(
    case: tuple[str, object],
) -> None:
    # The adapter's door is the only one: what it lets through must not fail later in
    # metering, pricing or billing with anything but a RatekitError.
    name, feed = case
    try:
        records = ADAPTERS[name](feed)
    except rk.RatekitError:
        return
    meters = READY_METERS[name]
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry(meter.name, meter.name, rk.PerUnit("0.01")) for meter in meters],
    )
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    with contextlib.suppress(rk.RatekitError):
        rk.bill(rk.rate(records, plan, span=march, meters=meters, as_of="2026-04-02T00:00:00Z"))  # type: ignore[arg-type]
