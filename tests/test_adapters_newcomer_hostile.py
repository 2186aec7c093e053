"""Every field of every adapter's feed, given the messy values real feeds send.

One valid record per adapter (as docs/adapters.md writes it); each of its fields, at any
depth, is removed, set to null, or replaced by a hostile value: numbers as strings, NaN and
infinities, a 5,000-digit integer, a 2 MB string, control characters, a lone surrogate,
nesting 5,000 levels deep, and instants in every ISO-8601 variant (offsets, no offset,
nanoseconds, week dates, basic format, leap seconds, year 0 and 10000). Each reading either
gives its one record (with its update, for Ceilometer with ``describe=True``) or raises a
``RatekitError`` that names the record's position and the field, in a short message;
nothing else escapes and nothing is dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import ratekit as rk
from ratekit.adapters import borel, ceilometer, cloudevents, cloudfoundry, exoscale

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SPEC = cloudevents.Spec(
    {"com.example.llm.tokens": "llm.tokens"},
    quantity="data.usage.tokens",
    account="subject",
    resource="data.model",
)


def nested(depth: int, leaf: Any, key: str | None = "x") -> Any:
    value = leaf
    for _ in range(depth):
        value = {key: value} if key is not None else [value]
    return value


class Subclassed(dict[str, Any]):
    pass


MISSING = object()
HOSTILE: dict[str, object] = {
    "missing": MISSING,
    "null": None,
    "empty": "",
    "blank": " ",
    "zero": 0,
    "negative": -1,
    "true": True,
    "float": 1.5,
    "nan": float("nan"),
    "infinity": float("inf"),
    "subnormal": 5e-324,
    "number as string": "12",
    "exponent as string": "1e3",
    "huge exponent": "1e999999999",
    "NaN as string": "NaN",
    "hex as string": "0x10",
    "5000-digit int": 10**5000,
    "2**64": 2**64,
    "list": [],
    "object": {},
    "deep object": nested(5000, 1),
    "deep list": nested(5000, 1, key=None),
    "2 MB string": "x" * 2_000_000,
    "control characters": "a\x00b\nc\x1b[31m",
    "lone surrogate": "\ud800",
    "unicode": "ünï©ødé😀",
    "bytes": b"abc",
    "dict subclass": Subclassed(a=1),
    "naive": "2026-03-02T08:00:00",
    "offset": "2026-03-02T09:00:00+01:00",
    "nanoseconds": "2026-03-02T08:00:00.123456789Z",
    "basic format": "20260302T080000Z",
    "space for T": "2026-03-02 08:00:00Z",
    "week date": "2026-W10-1T08:00:00Z",
    "comma fraction": "2026-03-02T08:00:00,5Z",
    "hh:mm": "2026-03-02T08:00Z",
    "+hhmm": "2026-03-02T08:00:00+0100",
    "24:00": "2026-03-02T24:00:00Z",
    "leap second": "2026-12-31T23:59:60Z",
    "year 0": "0000-01-01T00:00:00Z",
    "year 10000": "+10000-01-01T00:00:00Z",
    "epoch seconds": 1772438400,
    "30 February": "2026-02-30T00:00:00Z",
    "offset of 25 h": "2026-03-02T08:00:00+25:00",
    "first instant": "0001-01-01T00:00:00Z",
    "last instant": "9999-12-31T23:59:59.999999Z",
}

APP_EVENT = {
    "guid": "e1",
    "created_at": "2026-03-02T08:00:00Z",
    "updated_at": "2026-03-02T08:00:00Z",
    "state": {"current": "STARTED", "previous": None},
    "app": {"guid": "app-1", "name": "shop"},
    "process": {"guid": "app-1", "type": "web"},
    "space": {"guid": "space-1", "name": "prod"},
    "organization": {"guid": "org-1"},
    "memory_in_mb_per_instance": {"current": 512, "previous": None},
    "instance_count": {"current": 1, "previous": None},
}
NOVA = {
    "event_type": "compute.instance.create.end",
    "message_id": "n1",
    "timestamp": "2026-03-02 08:00:00.000000",
    "payload": {
        "tenant_id": "p-1",
        "instance_id": "vm-1",
        "instance_type": "m1.small",
        "vcpus": 1,
        "memory_mb": 2048,
        "state": "active",
        "image_meta": {"base_image_ref": "img-9"},
    },
}
SAMPLE = {
    "message_id": "s1",
    "counter_name": "cpu",
    "counter_type": "cumulative",
    "counter_unit": "ns",
    "counter_volume": 3600000000000,
    "project_id": "p-1",
    "resource_id": "vm-1",
    "timestamp": "2026-03-02T08:00:00",
    "resource_metadata": {"flavor": {"name": "m1.small"}},
}
ROW = {
    "customer-id": "21891",
    "quantity": 516570000000,
    "resource": "cpu-usage",
    "resource_id": "vm-1",
    "uom": "cpu-ns",
}
EXOSCALE = {
    "type": "usage",
    "entity": "vm",
    "action": "create",
    "time": "2016-12-12T15:48:32.000-00:00",
    "account": "geneva-jug",
    "uuid": "7a070a3d",
    "version": 1,
    "offering": "medium",
}
CLOUD_EVENT = {
    "specversion": "1.0",
    "id": "t1",
    "source": "//gateway",
    "type": "com.example.llm.tokens",
    "subject": "customer-1",
    "time": "2026-03-02T08:00:00Z",
    "data": {"model": "large", "usage": {"tokens": 1200}},
}

# adapter: (read one record, the record, its label in messages, records a good read gives)
ADAPTERS: dict[str, tuple[Callable[[dict[str, Any]], list[Any]], dict[str, Any], str, int]] = {
    "cloudfoundry": (
        lambda event: cloudfoundry.app_usage_events({"resources": [event]}),
        APP_EVENT,
        "Cloud Foundry app usage event resources[0]",
        1,
    ),
    "nova": (
        lambda event: ceilometer.instance_notifications([event], naive_utc=True),
        NOVA,
        "Nova notification [0]",
        1,
    ),
    "ceilometer": (
        lambda event: ceilometer.samples(
            [event], meters=[ceilometer.CPU_HOURS], describe=True, naive_utc=True
        ),
        SAMPLE,
        "Ceilometer sample [0]",
        2,
    ),
    "borel": (
        lambda event: borel.usage_rows([event], period=MARCH),
        ROW,
        "Borel row [0]",
        1,
    ),
    "exoscale": (
        lambda event: exoscale.usage_events([event]),
        EXOSCALE,
        "Exoscale usage event [0]",
        1,
    ),
    "cloudevents": (
        lambda event: cloudevents.usage_events([event], SPEC),
        CLOUD_EVENT,
        "CloudEvent [0]",
        1,
    ),
}


def paths(value: object, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from paths(inner, (*prefix, key))


def changed(record: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    record = copy.deepcopy(record)
    holder = record
    for key in path[:-1]:
        holder = holder[key]
    if value is MISSING:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return record


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_every_field_given_every_hostile_value_is_read_or_refused_by_name(adapter: str) -> None:
    read, record, label, good = ADAPTERS[adapter]
    assert len(read(record)) == good
    faults = []
    for path in [*paths(record), ("an_unknown_field",)]:
        for name, value in HOSTILE.items():
            if path == ("an_unknown_field",) and value is MISSING:
                continue
            try:
                records = read(changed(record, path, value))
            except rk.RatekitError as error:
                message = str(error)
                if name == "lone surrogate" and "is not valid Unicode text" in message:
                    # Named by the record it would make, not the feed's field (pinned in
                    # test_adapters_newcomer_faults.py); the position is there.
                    assert "[0]" in message
                    continue
                named = path[0] in message or "attribute" in message
                if not message.startswith(label) or len(message) > 2_000 or not named:
                    faults.append((path, name, message[:300]))
            except Exception as error:  # what escapes is the fault reported
                faults.append((path, name, f"escaped: {type(error).__name__}: {error}"[:300]))
            else:
                if len(records) not in {good, good - 1} or (
                    len(records) == good - 1 and adapter != "ceilometer"
                ):
                    faults.append((path, name, f"{len(records)} records"))
    assert not faults, "\n".join(map(str, faults))
