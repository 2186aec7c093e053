"""What a Kafka topic of a public cloud throws at the metering consumer.

Redeliveries that re-serialise a message, two producers that reuse a message id, a
message the adapters refuse in the middle of a batch, a deserialiser that fails halfway
through a batch, and hostile text in a notification that must survive the JSON snapshot.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from tests._kafka_topic import BASIC, HORIZON, METERS, START, nova, sample

import ratekit as rk
from ratekit.adapters import ceilometer

UTC = dt.UTC
LOG = [rk.Assignment("p-1", BASIC, start=START)]


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def created(message_id: str = "n0", resource: str = "vm-1") -> dict[str, Any]:
    return nova(
        "create.end", message_id, at(2, 8), account="p-1", resource=resource, flavor="m1.small"
    )


def rater() -> rk.Rater:
    return rk.Rater(LOG, METERS, start=START, horizon=HORIZON)


def test_a_notification_redelivered_with_its_stamp_written_otherwise_is_a_duplicate() -> None:
    # Nova's '2026-03-02 08:00:00.000000' and a relay's '2026-03-02 08:00:00' are one instant
    consumer = rater()
    first = ceilometer.instance_notifications([created()], naive_utc=True)
    again = ceilometer.instance_notifications(
        [{**created(), "timestamp": "2026-03-02 08:00:00"}], naive_utc=True
    )
    assert consumer.feed(first).accepted == ("n0",)
    feed = consumer.feed(again)
    assert (feed.accepted, feed.duplicates) == ((), ("n0",))
    # billed once: 2 March 08:00 to 3 March 00:00 is 16 h * 0.04 = 0.64; the fee is
    # prorated to the watermark, 31 * 2/31 = 2
    lines = consumer.statement(at(3)).lines
    assert sorted((line.entry, line.quantity, line.amount) for line in lines) == [
        # 2/31 of a cycle, to ratekit's 60 digits
        ("base", decimal.Context(prec=60).divide(Decimal(2), Decimal(31)), Decimal(2)),
        ("small", Decimal(16), Decimal("0.64")),
    ]


def test_a_nova_event_and_a_ceilometer_sample_under_one_message_id_are_conflicting() -> None:
    # ids are one space across kinds (docs/streaming.md, Exactly once): the first stands
    consumer = rater()
    consumer.feed(ceilometer.instance_notifications([created("m-1")], naive_utc=True))
    reading = sample(
        "m-1",
        at(2, 9),
        name="egress",
        kind="delta",
        unit="B",
        account="p-1",
        resource="vm-1",
        volume=5 * 10**9,
    )
    feed = consumer.feed(ceilometer.samples([reading], meters=METERS, naive_utc=True))
    assert (feed.accepted, feed.conflicting) == ((), ("m-1",))
    lines = consumer.statement(at(3)).lines
    assert [line.entry for line in lines if line.meter == "egress"] == []


def test_a_poison_message_refuses_the_whole_batch_naming_its_position() -> None:
    # the consumer learns which message to set aside, and the rater has taken nothing
    bad = {**created("n1", "vm-2"), "timestamp": "2026-03-02 08:00:00.1234567"}
    with pytest.raises(rk.BadRecordError) as refused:
        ceilometer.instance_notifications([created(), bad, created("n2", "vm-3")], naive_utc=True)
    assert str(refused.value).startswith(
        "Nova notification [1].timestamp '2026-03-02 08:00:00.1234567' has a fraction of a"
        " second finer than a microsecond"
    )
    assert "give at most 6 decimals" in str(refused.value)


def test_a_deserialiser_that_fails_halfway_leaves_the_rater_as_it_was() -> None:
    consumer = rater()
    records = ceilometer.instance_notifications([created(), created("n1", "vm-2")], naive_utc=True)

    def batch() -> Iterator[rk.Event]:
        yield from records
        raise KeyError("the broker closed the connection")

    with pytest.raises(rk.RatekitError) as refused:
        consumer.feed(batch())
    assert "its generator raised KeyError" in str(refused.value)
    assert "give a list of records" in str(refused.value)
    # nothing of the batch was taken: fed again, both are new
    assert consumer.feed(records).accepted == ("n0", "n1")


def test_hostile_text_in_a_notification_survives_the_json_snapshot() -> None:
    # right-to-left override, markup, an emoji, NUL and both quotes in a display name;
    # a resource id in three scripts
    resource = "vm-ü-ж-中"
    consumer = rater()
    consumer.feed(ceilometer.instance_notifications([created("n0", resource)], naive_utc=True))
    first = consumer.statement(at(3))
    text = json.dumps(consumer.snapshot())
    restored = rk.Rater.restore(json.loads(text), LOG, METERS)
    later = restored.statement(at(4))
    (vm_line,) = [line for line in later.lines if line.entry == "small"]
    assert (vm_line.resource, vm_line.role, vm_line.quantity) == (resource, "increment", 24)
    (charge,) = vm_line.charges
    assert charge.description is not None
    assert charge.description["display_name"] == "\u202e<b>né</b>\U0001f4a5\x00'\""
    assert [line.resource for line in first.lines if line.entry == "small"] == [resource]


def test_an_account_spelled_in_decomposed_unicode_is_refused_with_the_whole_batch() -> None:
    # 'ténant' from one producer (NFC, é as one code point) and 'te\u0301nant' from
    # another (NFD, e and a combining accent): two accounts to ratekit, and the second has
    # no plan; the feed refuses the batch whole, naming both spellings, and takes nothing
    composed, decomposed = "t\u00e9nant", "te\u0301nant"
    consumer = rk.Rater(
        [rk.Assignment(composed, BASIC, start=START)], METERS, start=START, horizon=HORIZON
    )
    batch = [
        rk.Sample(composed, "vm-1", "egress", at(2), 1, id="g1"),
        rk.Sample(decomposed, "vm-1", "egress", at(2), 1, id="g2"),
    ]
    with pytest.raises(rk.UnpricedUsageError) as refused:
        consumer.feed(batch)
    assert str(refused.value) == (
        "Rater.feed: records[1]: sample 'g2' stamped 2026-03-02T00:00:00Z is for account"
        f" '{decomposed}', which no assignment of this rater names, so every statement would"
        f" fail to price it (the assignments name '{composed}'); the batch is refused whole."
        " Feed only records of assigned accounts, or assign the account a plan first with"
        " Rater.assign()."
    )
    assert consumer.feed(batch[:1]).accepted == ("g1",)
