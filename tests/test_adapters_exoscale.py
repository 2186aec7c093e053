"""Exoscale / CloudStack usage events read straight from the feed (seed 000).

The month in ``tests/data/exoscale/usage_events.json`` (December 2016, UTC cycles):

- geneva-jug's vm 7a070a3d (the seed's event): created medium on 12 Dec 15:48:32 (the
  create delivered twice), stopped 14 Dec 03:48:32 (36 h), started again as large on
  20 Dec 00:00 (EDN keywords), destroyed 21 Dec 12:00 (36 h);
- WAD's instance foo: "started with profile large today at 12:00, stopped at 12:15";
- WAD's second vm: created small on 31 Dec 18:00, destroyed 1 Jan 06:00 (6 h in December).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

import ratekit as rk
from ratekit.adapters import exoscale

FEED = json.loads((Path(__file__).parent / "data" / "exoscale" / "usage_events.json").read_text())
MONTHLY = rk.cycles.monthly(tz="UTC")
DECEMBER = rk.Span("2016-12-01T00:00:00Z", "2017-01-01T00:00:00Z")
PLAN = rk.Plan(
    "exoscale",
    "CHF",
    MONTHLY,
    [
        rk.PriceEntry(
            offering, "exoscale.instance.hours", rk.PerUnit(price), where={"offering": offering}
        )
        for offering, price in [("small", "0.01"), ("medium", "0.02"), ("large", "0.04")]
    ],
)


def test_a_month_of_the_feed_rates_to_the_hand_computed_invoices() -> None:
    # geneva-jug: medium 36 h x 0.02 = 0.72; large 36 h x 0.04 = 1.44; total 2.16.
    # WAD: large 0.25 h x 0.04 = 0.01; small 6 h x 0.01 = 0.06; total 0.07.
    rating = rk.rate(
        exoscale.usage_events(FEED), PLAN, span=DECEMBER, meters=[exoscale.INSTANCE_HOURS]
    )
    invoices = {invoice.account: invoice for invoice in rk.bill(rating)}
    assert sorted(
        (line.entry, line.quantity, line.amount) for line in invoices["geneva-jug"].lines
    ) == [
        ("large", Decimal(36), Decimal("1.44")),
        ("medium", Decimal(36), Decimal("0.72")),
    ]
    assert invoices["geneva-jug"].total == Decimal("2.16")
    assert sorted((line.entry, line.quantity, line.amount) for line in invoices["WAD"].lines) == [
        ("large", Decimal("0.25"), Decimal("0.01")),
        ("small", Decimal(6), Decimal("0.06")),
    ]
    assert invoices["WAD"].total == Decimal("0.07")
    # The create delivered twice is a replay: billed once, reported.
    assert [anomaly.kind for anomaly in rating.anomalies] == ["duplicate"]


def test_the_description_is_the_events_own_fields() -> None:
    created, *_ = exoscale.usage_events(FEED)
    assert dict(created.attributes) == {
        "entity": "vm",
        "template": "ubuntu-16.04",
        "offering": "medium",
        "disk_size": 50,
        "zone": "ch-gva-2",
    }
    assert created.id == "7a070a3d-66ff-4658-ab08-fe3cecd7c70f/create/2016-12-12T15:48:32Z"
    assert [event.kind for event in exoscale.usage_events(FEED)] == [
        "start",
        "start",
        "start",
        "stop",
        "stop",
        "start",
        "delete",
        "start",
        "delete",
    ]


def test_edn_keywords_and_nested_values() -> None:
    event = {
        "type": ":usage",
        "entity": ":volume",
        "action": ":create",
        "time": "2016-12-12T15:48:32Z",
        "account": "a",
        "uuid": "v-1",
        "size_gib": 20,
        "tags": {"team": "x"},
    }
    (read,) = exoscale.usage_events([event])
    assert dict(read.attributes) == {"entity": "volume", "size_gib": 20, "tags": {"team": "x"}}


def test_version_orders_events_stamped_out_of_order() -> None:
    # The stop (version 2) is stamped a minute before the start (version 1): with
    # order="version" the emitter's order wins and the run lasts zero time.
    feed = [
        {
            "type": "usage",
            "entity": "vm",
            "action": "start",
            "time": "2016-12-12T10:01:00Z",
            "account": "a",
            "uuid": "vm-1",
            "version": 1,
        },
        {
            "type": "usage",
            "entity": "vm",
            "action": "stop",
            "time": "2016-12-12T10:00:00Z",
            "account": "a",
            "uuid": "vm-1",
            "version": 2,
        },
    ]
    by_version = exoscale.usage_events(feed, order="version")
    assert [event.seq for event in by_version] == [1, 2]
    usage = rk.meter(
        by_version, [exoscale.INSTANCE_HOURS], span=DECEMBER, cycle=MONTHLY, as_of=DECEMBER.end
    )
    assert usage.rows == ()
    assert [anomaly.kind for anomaly in usage.anomalies] == ["out_of_order"]
    # By time, the stop comes first (an orphan) and the start runs to the month's end.
    by_time = exoscale.usage_events(feed)
    usage = rk.meter(
        by_time, [exoscale.INSTANCE_HOURS], span=DECEMBER, cycle=MONTHLY, as_of=DECEMBER.end
    )
    (row,) = usage.rows  # 12 Dec 10:01 to 1 Jan 00:00 (28199 minutes)
    assert row.span == rk.Span("2016-12-12T10:01:00Z", "2017-01-01T00:00:00Z")
    assert [anomaly.kind for anomaly in usage.anomalies] == ["orphan_stop"]


def test_errors_name_the_position_and_the_field() -> None:
    broken = copy.deepcopy(FEED)
    broken[3]["action"] = "suspend"
    with pytest.raises(rk.BadRecordError) as error:
        exoscale.usage_events(broken)
    assert str(error.value) == (
        "Exoscale usage event [3].action is 'suspend'; expected one of 'create', 'start', "
        "'stop', 'destroy'."
    )
    broken = copy.deepcopy(FEED)
    del broken[5]["uuid"]
    with pytest.raises(rk.BadRecordError) as error:
        exoscale.usage_events(broken)
    assert (
        str(error.value)
        == "Exoscale usage event [5].uuid is missing; it must be a non-empty string."
    )
    broken = copy.deepcopy(FEED)
    broken[0]["type"] = "audit"
    with pytest.raises(
        rk.BadRecordError, match=r"\[0\]\.type is 'audit'; only 'usage' events are read"
    ):
        exoscale.usage_events(broken)
    broken = copy.deepcopy(FEED)
    broken[1]["time"] = "2016-12-14 12:00"
    with pytest.raises(rk.BadRecordError, match=r"\[1\]\.time"):
        exoscale.usage_events(broken)
    with pytest.raises(rk.BadRecordError, match=r"\[0\]\.version is missing"):
        exoscale.usage_events(
            [{k: v for k, v in FEED[0].items() if k != "version"}], order="version"
        )
