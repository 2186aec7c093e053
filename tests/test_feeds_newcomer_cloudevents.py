"""A metered SaaS's CloudEvents feed, read as docs/adapters.md says, then pushed at its edges.

The feed states its quantities' units: storage writes in MiB (a fixed ``unit`` for its type),
egress and compute time in a unit each event names (``unit_from``), API calls in the meter's
own unit. A month is rated end to end and checked against a ``fractions.Fraction`` oracle
worked by hand; then odd units, units that change between events of one resource, specs that
mix ``unit`` and ``unit_from``, and feeds in any order or delivered twice. Faults found are
at the end, each a strict expected failure on its smallest input.
"""

from __future__ import annotations

import decimal
import random
import re
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import ratekit as rk
from ratekit.adapters import cloudevents

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")

API = rk.Meter("api.calls", "count", rk.Discrete())
STORAGE = rk.Meter("storage.written", "GB", rk.Discrete())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
COMPUTE = rk.Meter("compute", "hour", rk.Discrete())
METERS = [API, STORAGE, EGRESS, COMPUTE]

SPEC = cloudevents.Spec(
    {
        "com.saas.api.call": "api.calls",
        "com.saas.storage.written": "storage.written",
        "com.saas.egress": "egress",
        "com.saas.compute": "compute",
    },
    quantity="data.amount",
    account="subject",
    resource="data.resource",
    unit={"com.saas.storage.written": "MiB"},
    unit_from={"com.saas.egress": "data.unit", "com.saas.compute": "data.unit"},
)

PLAN = rk.Plan(
    "saas",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("api", "api.calls", rk.PerUnit("0.001")),
        rk.PriceEntry("storage", "storage.written", rk.PerUnit("0.02")),
        rk.PriceEntry(
            "egress", "egress", rk.Graduated([rk.Tier(up_to=10, unit=0), rk.Tier(unit="0.09")])
        ),
        rk.PriceEntry("compute", "compute", rk.PerUnit("0.05")),
    ],
)


def _event(  # noqa: PLR0917 - an event's fields, the unit last
    event_id: str,
    kind: str,
    account: str,
    day: int,
    amount: object,
    unit: str | None = None,
    resource: str = "r-1",
) -> dict[str, Any]:
    data: dict[str, Any] = {"resource": resource, "amount": amount}
    if unit is not None:
        data["unit"] = unit
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "//saas.example.com",
        "type": f"com.saas.{kind}",
        "subject": account,
        "time": f"2026-03-{day:02d}T08:00:00Z",
        "data": data,
    }


MONTH_FEED = [
    # c-1: 1200 + 800 + 3000 = 5000 calls
    _event("a1", "api.call", "c-1", 2, 1200),
    _event("a2", "api.call", "c-1", 9, "800"),
    _event("a3", "api.call", "c-1", 20, 3000),
    # c-1: 10240 + 5120 = 15360 MiB written, in the spec's fixed unit
    _event("s1", "storage.written", "c-1", 3, 10240),
    _event("s2", "storage.written", "c-1", 17, 5120),
    # c-1: egress in the unit each event names
    _event("e1", "egress", "c-1", 4, 1500, "MB"),
    _event("e2", "egress", "c-1", 5, 3, "GiB"),
    _event("e3", "egress", "c-1", 6, 8000000, "kB"),
    _event("e4", "egress", "c-1", 7, 500000000, "B"),
    # c-1: compute in s, min and hour
    _event("c1", "compute", "c-1", 8, 5400, "s"),
    _event("c2", "compute", "c-1", 10, 90, "min"),
    _event("c3", "compute", "c-1", 11, 2, "hour"),
    # c-2
    _event("a4", "api.call", "c-2", 3, 100),
    _event("e5", "egress", "c-2", 4, 2, "GB"),
    _event("e6", "egress", "c-2", 5, 250, "MB"),
    _event("c4", "compute", "c-2", 6, 36, "min"),
]


def _oracle() -> dict[str, dict[str, Fraction]]:
    """Each account's precise amount per entry, worked by hand in fractions."""
    mib = Fraction(2**20, 10**9)  # a MiB in GB
    # c-1 storage: 15360 MiB = 15360 * 1048576 B = 16.10612736 GB, * 0.02 = 0.3221225472
    storage = 15360 * mib
    # c-1 egress: 1.5 + 3 * 1.073741824 + 8 + 0.5 = 13.221225472 GB; 10 free, the rest at 0.09
    egress = Fraction(3, 2) + 3 * Fraction(2**30, 10**9) + 8 + Fraction(1, 2)
    # c-1 compute: 5400 s = 1.5 h, 90 min = 1.5 h, 2 h: 5 h at 0.05
    compute = Fraction(5400, 3600) + Fraction(90, 60) + 2
    return {
        "c-1": {
            "api": 5000 * Fraction("0.001"),  # 5
            "storage": storage * Fraction("0.02"),
            "egress": (egress - 10) * Fraction("0.09"),  # 3.221225472 * 0.09 = 0.28991029248
            "compute": compute * Fraction("0.05"),  # 0.25
        },
        "c-2": {
            "api": 100 * Fraction("0.001"),  # 0.10
            "egress": Fraction(0),  # 2 + 0.25 = 2.25 GB, inside the free tier
            "compute": Fraction(36, 60) * Fraction("0.05"),  # 0.6 h * 0.05 = 0.03
        },
    }


def _amounts(feed: list[dict[str, Any]]) -> tuple[Decimal, dict[str, dict[str, Decimal]]]:
    samples = cloudevents.usage_events(feed, SPEC, meters=METERS)
    rating = rk.rate(samples, PLAN, span=MARCH, meters=METERS)
    lines: dict[str, dict[str, Decimal]] = {}
    for invoice in rk.bill(rating):
        assert invoice.total == sum(line.amount for line in invoice.lines)
        for line in invoice.lines:
            assert line.entry is not None  # every line is a price entry's
            per_account = lines.setdefault(invoice.account, {})
            per_account[line.entry] = per_account.get(line.entry, Decimal(0)) + line.amount
    return rating.total(), lines


def test_a_month_of_the_feed_bills_what_the_oracle_works_by_hand() -> None:
    oracle = _oracle()
    total, lines = _amounts(MONTH_FEED)
    assert Fraction(total) == sum(sum(entries.values()) for entries in oracle.values())
    # c-1: 5.00 + 0.32 + 0.29 + 0.25 = 5.86; c-2: 0.10 + 0.00 + 0.03 = 0.13
    assert {account: sum(entries.values()) for account, entries in lines.items()} == {
        "c-1": Decimal("5.86"),
        "c-2": Decimal("0.13"),
    }
    for account, entries in oracle.items():
        for entry, amount in entries.items():
            cents = round(amount, 2)  # no oracle amount is a half cent
            assert Fraction(lines[account].get(entry, Decimal(0))) == cents, (account, entry)


@pytest.mark.parametrize("seed", range(4))
def test_the_feed_in_any_order_and_partly_delivered_twice_bills_the_same(seed: int) -> None:
    chooser = random.Random(seed)
    feed = MONTH_FEED + chooser.sample(MONTH_FEED, 5)
    chooser.shuffle(feed)
    assert _amounts(feed) == _amounts(MONTH_FEED)


def _egress_in(unit: object, amount: object = 1) -> list[str]:
    spec = cloudevents.Spec(
        {"com.saas.egress": "egress"}, quantity="data.amount", unit_from="data.unit"
    )
    event = _event("x1", "egress", "c-1", 2, amount)
    event["data"]["unit"] = unit
    return [
        str(sample.value) for sample in cloudevents.usage_events([event], spec, meters=[EGRESS])
    ]


@pytest.mark.parametrize(
    ("unit", "gigabytes"),
    [
        ("B", "1E-9"),
        ("kB", "0.000001"),  # 10^3 B
        ("KB", "0.000001"),  # read as written: 10^3 B, not OpenStack's KiB
        ("KiB", "0.000001024"),  # 2^10 B
        ("MB", "0.001"),
        ("MiB", "0.001048576"),  # 2^20 B
        ("GB", "1"),
        ("GiB", "1.073741824"),  # 2^30 B
        ("TB", "1000"),
        ("bit", "1.25E-10"),  # 1/8 B
        ("Mbit", "0.000125"),  # 10^6 / 8 B
    ],
)
def test_a_data_unit_an_event_names_is_read_as_written(unit: str, gigabytes: str) -> None:
    assert _egress_in(unit) == [gigabytes]


@pytest.mark.parametrize(
    "unit",
    [
        "GB/s",
        "%",
        "",
        "gb",
        "Gb",
        "\uff27\uff22",  # fullwidth G and B
        "GB\u200b",
        "bytes",
        "s",
        "count",
        "1000B",
        None,
        5,
        True,
    ],
)
def test_a_unit_its_meter_cannot_take_is_refused_naming_the_event_field_and_source(
    unit: object,
) -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _egress_in(unit)
    message = str(raised.value)
    assert message.startswith("CloudEvent [0].data.unit (event id 'x1' from source ")
    assert "//saas.example.com" in message


def test_a_huge_unit_is_refused_shortened() -> None:
    with pytest.raises(rk.BadRecordError, match=r"\[0\]\.data\.unit .*100000 characters long"):
        _egress_in("x" * 100_000)


def test_a_counter_whose_unit_changes_between_readings_is_read_in_each_readings_unit() -> None:
    counter = rk.Meter("egress", "GB", rk.Counter())
    spec = cloudevents.Spec(
        {"com.saas.egress": "egress"},
        quantity="data.amount",
        unit_from="data.unit",
        kind="counter",
    )
    feed = [
        _event("r1", "egress", "c-1", 2, 1000, "MB"),  # 1 GB
        _event("r2", "egress", "c-1", 3, 2, "GB"),  # 2 GB
        _event("r3", "egress", "c-1", 4, 3000000, "kB"),  # 3 GB
        _event("r4", "egress", "c-1", 5, 2, "GiB"),  # 2.147483648 GB: less, a reset
    ]
    samples = cloudevents.usage_events(feed, spec, meters=[counter])
    assert [str(sample.value) for sample in samples] == ["1", "2", "3", "2.147483648"]
    usage = rk.meter(samples, [counter], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    # 1 + 1, then the reset counts its reading from zero: 2 + 2.147483648 = 4.147483648
    assert usage.total() == Decimal("4.147483648")
    assert [anomaly.kind for anomaly in usage.anomalies] == ["counter_reset"]


def test_a_retry_in_another_unit_of_the_same_quantity_is_a_replay_and_of_another_a_conflict() -> (
    None
):
    spec = cloudevents.Spec(
        {"com.saas.egress": "egress"}, quantity="data.amount", unit_from="data.unit"
    )
    same = cloudevents.usage_events(
        [
            _event("x1", "egress", "c-1", 2, 1500, "MB"),
            _event("x1", "egress", "c-1", 2, "1.5", "GB"),
        ],
        spec,
        meters=[EGRESS],
    )
    usage = rk.meter(same, [EGRESS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total() == Decimal("1.5")
    assert [anomaly.kind for anomaly in usage.anomalies] == ["duplicate"]
    other = cloudevents.usage_events(
        [_event("x1", "egress", "c-1", 2, 1500, "MB"), _event("x1", "egress", "c-1", 2, 1, "GiB")],
        spec,
        meters=[EGRESS],
    )
    with pytest.raises(rk.ConflictingRecordError, match=re.escape("//saas.example.com#x1")):
        rk.meter(other, [EGRESS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)


@pytest.mark.parametrize(
    ("unit", "unit_from"),
    [
        ("MB", {"com.saas.egress": "data.unit"}),
        ({"com.saas.egress": "MB"}, "data.unit"),
        ({"com.saas.egress": "MB"}, {"com.saas.egress": "data.unit"}),
    ],
)
def test_a_spec_giving_one_type_both_unit_and_unit_from_is_refused(
    unit: object, unit_from: object
) -> None:
    with pytest.raises(rk.RatekitTypeError, match=re.escape("type 'com.saas.egress' both a unit")):
        cloudevents.Spec(
            {"com.saas.egress": "egress", "com.saas.api.call": "api.calls"},
            quantity="data.amount",
            unit=unit,  # type: ignore[arg-type]
            unit_from=unit_from,  # type: ignore[arg-type]
        )


def test_a_unit_per_type_beside_a_unit_from_per_type_reads_each_type_its_way() -> None:
    spec = cloudevents.Spec(
        {"com.saas.egress": "egress", "com.saas.storage.written": "storage.written"},
        quantity="data.amount",
        unit={"com.saas.storage.written": "MiB"},
        unit_from={"com.saas.egress": "data.unit"},
    )
    feed = [
        _event("s1", "storage.written", "c-1", 2, 1, "GB"),  # its stated unit is not read: MiB
        _event("e1", "egress", "c-1", 2, 1, "MiB"),
    ]
    values = [str(s.value) for s in cloudevents.usage_events(feed, spec, meters=[STORAGE, EGRESS])]
    assert values == ["0.001048576", "0.001048576"]


def test_a_spec_unit_naming_a_type_it_does_not_map_is_refused() -> None:
    with pytest.raises(rk.RatekitTypeError, match="Spec unit names 'nope'"):
        cloudevents.Spec({"com.saas.egress": "egress"}, quantity="data.amount", unit={"nope": "B"})


def test_meters_and_units_are_checked_before_any_event_is_read() -> None:
    read: list[int] = []

    def feed() -> Iterator[dict[str, Any]]:
        read.append(1)
        yield _event("x1", "egress", "c-1", 2, 1, "GB")

    fixed = cloudevents.Spec({"com.saas.egress": "egress"}, quantity="data.amount", unit="s")
    with pytest.raises(rk.UnitError):
        cloudevents.usage_events(feed(), fixed, meters=[EGRESS])
    with pytest.raises(rk.RatekitTypeError, match="meters must hold meter 'egress'"):
        cloudevents.usage_events(feed(), fixed, meters=[])
    assert read == []


def test_the_callers_decimal_context_does_not_change_a_converted_quantity() -> None:
    # 123456789012345678901234567 KiB * 1024 = 126419751948641975194864196608 B
    expected = ["126419751948641975194.864196608"]
    assert _egress_in("KiB", "123456789012345678901234567") == expected
    with decimal.localcontext() as context:
        context.prec = 3
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        assert _egress_in("KiB", "123456789012345678901234567") == expected


# Faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "unit"), [("1e-30", "MB"), ("1e29", "PB")])
def test_a_quantity_whose_conversion_leaves_the_range_is_refused_naming_its_fields(
    amount: str, unit: str
) -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _egress_in(unit, amount)
    message = str(raised.value)
    assert message.startswith("CloudEvent [0].data.")
    assert "data.unit" in message
    assert "x1" in message


def test_seconds_for_a_meter_in_hours_are_kept_to_60_digits_as_the_docs_say() -> None:
    # docs/adapters.md: a ratio that does not end in decimal (s to hour) is kept to
    # ratekit's 60 significant digits. 1 s = 1/3600 h = 0.000277...7778 (60 digits, the
    # last rounded up): each sample is that, within 1E-63 h of 1/3600; 3600 of them at 1
    # EUR an hour bill 1.00 on the invoice (the excess, below 1E-59, far below a cent).
    hours = rk.Meter("compute", "hour", rk.Discrete())
    spec = cloudevents.Spec({"com.saas.compute": "compute"}, quantity="data.amount", unit="s")
    feed = [
        {
            **_event(f"c{i}", "compute", "c-1", 2, 1),
            "time": f"2026-03-02T08:{i // 60:02d}:{i % 60:02d}Z",
        }
        for i in range(3600)
    ]
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("compute", "compute", rk.PerUnit(1))])
    samples = cloudevents.usage_events(feed, spec, meters=[hours])
    second = Decimal("0." + "0" * 3 + "2" + "7" * 58 + "8")  # 60 significant digits
    assert {sample.value for sample in samples} == {second}
    assert abs(Fraction(second) - Fraction(1, 3600)) < Fraction(1, 10**63)
    (invoice,) = rk.bill(rk.rate(samples, plan, span=MARCH, meters=[hours]))
    assert invoice.total == Decimal("1.00")
