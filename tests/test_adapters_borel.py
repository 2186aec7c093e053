"""Borel's normalised usage rows read straight from the feed (seed 001), units exact.

The month in ``tests/data/borel/`` (March 2026, UTC cycles):

- ``usage_first_half.json``: the seed's four rows for customer 21891 as Borel wrote them
  (no period in the rows; the report covers [1 Mar, 16 Mar));
- ``usage_second_half.json``: rows with their own ``start``/``end`` ([16 Mar, 1 Apr)):
  21891's second half, and customer 30412 (one CPU-hour, 3600 GB-seconds of memory, and a
  ``floating-ip`` row no ready meter names).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _budget import LAWS
from ratekit.adapters import borel

DATA = Path(__file__).parent / "data" / "borel"
FIRST = json.loads((DATA / "usage_first_half.json").read_text())
SECOND = json.loads((DATA / "usage_second_half.json").read_text())
MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
FIRST_HALF = rk.Span("2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z")


def month() -> list[rk.Sample]:
    return borel.usage_rows(FIRST, period=FIRST_HALF) + borel.usage_rows(SECOND, unknown="skip")


def test_the_seed_rows_convert_exactly() -> None:
    writes, rx, cpu, memory = borel.usage_rows(FIRST, period=FIRST_HALF)
    assert writes.value == Decimal("1.500663808")  # 1500663808 B / 10^9
    assert rx.value == Decimal("0.000137476")  # 137476 B / 10^9
    assert cpu.value == Decimal("516.57")  # 516570000000 cpu-ns / 10^9
    # Borel's MB is OpenStack's, a MiB (Nova's memory_mb): 9942017556480000 MiB-ns
    # / 1024 = 9709001520000 GiB-ns / 10^9 = 9709.00152 GiB-s (2 GiB x 4854.50076 s).
    # was 9942.01755648 GB*s, reading MB as 10^6 B
    assert memory.value == Decimal("9709.00152")
    assert (memory.account, memory.resource, memory.meter) == (
        "21891",
        "284a9f20-4d5e-4044-a955-f2fb9e00e66d",
        "memory-allocation",
    )
    assert (memory.since_us, memory.at_us) == (FIRST_HALF.start_us, FIRST_HALF.end_us)


def test_a_month_of_the_feed_rates_to_the_hand_computed_invoices() -> None:
    # 21891: cpu 516.57 + 1283.43 = 1800 s x 0.0001 = 0.18;
    #        memory (9942017556480000 + 10057982443520000 = 2 x 10^16 MiB-ns) / 1024 / 10^9
    #        = 9709.00152 + 9822.24848 = 19531.25 GiB*s x 0.00001 = 0.1953125 -> 0.20;
    #        disk writes 1500663808 + 2499336192 B = 4 GB x 0.05 = 0.20;
    #        rx 137476 + 999862524 B = 1 GB x 0.01 = 0.01;  total 0.59.
    # 30412: cpu 3600 s x 0.0001 = 0.36; memory 3.6 x 10^15 MiB-ns / 1024 / 10^9 =
    #        3515.625 GiB*s x 0.00001 = 0.03515625 -> 0.04; total 0.40.
    plan = rk.Plan(
        "borel",
        "AUD",
        MONTHLY,
        [
            rk.PriceEntry("cpu", "cpu-usage", rk.PerUnit("0.0001")),
            rk.PriceEntry("memory", "memory-allocation", rk.PerUnit("0.00001")),
            rk.PriceEntry("writes", "diskio-writes", rk.PerUnit("0.05")),
            rk.PriceEntry("rx", "neutron-data-rx", rk.PerUnit("0.01")),
        ],
    )
    # The report for March is run on 2 April: the rows ending at midnight on 1 April are known.
    rating = rk.rate(month(), plan, span=MARCH, meters=borel.METERS, as_of="2026-04-02T00:00:00Z")
    invoices = {invoice.account: invoice for invoice in rk.bill(rating)}
    assert sorted((line.entry, line.quantity, line.amount) for line in invoices["21891"].lines) == [
        ("cpu", Decimal(1800), Decimal("0.18")),
        ("memory", Decimal("19531.25"), Decimal("0.20")),
        ("rx", Decimal(1), Decimal("0.01")),
        ("writes", Decimal(4), Decimal("0.20")),
    ]
    assert invoices["21891"].total == Decimal("0.59")
    assert invoices["30412"].total == Decimal("0.40")


def test_a_report_delivered_again_is_a_replay() -> None:
    usage = rk.meter(
        month() + borel.usage_rows(FIRST, period=FIRST_HALF),
        borel.METERS,
        span=MARCH,
        cycle=MONTHLY,
        as_of="2026-04-02T00:00:00Z",
    )
    assert usage.total("cpu-usage") == Decimal(5400)  # 1800 + 3600, the replay not counted
    assert [anomaly.kind for anomaly in usage.anomalies] == ["duplicate"] * 4


def test_your_own_meters_take_the_values_in_their_units() -> None:
    cpu_hours = rk.Meter("cpu-usage", "hour", rk.Discrete())
    memory_mib_hours = rk.Meter("memory-allocation", "MiB*hour", rk.Discrete())
    rows = [row for row in SECOND if row["customer-id"] == "30412"]
    cpu, memory = borel.usage_rows(rows, meters=[cpu_hours, memory_mib_hours], unknown="skip")
    assert cpu.value == Decimal(1)  # 3600 x 10^9 ns = 1 h
    assert memory.value == Decimal(1000)  # 3.6 x 10^15 MiB*ns = 3.6 x 10^6 MiB*s = 1000 MiB*h
    # In decimal MB: 1000 MiB*h x 1048576 / 10^6 = 1048.576 MB*h.
    decimal = rk.Meter("memory-allocation", "MB*hour", rk.Discrete())
    (_, memory) = borel.usage_rows(rows, meters=[cpu_hours, decimal], unknown="skip")
    assert memory.value == Decimal("1048.576")


def test_errors_name_the_position_and_the_field() -> None:
    with pytest.raises(rk.BadRecordError) as error:
        borel.usage_rows(SECOND)
    assert str(error.value) == (
        "Borel row [6].resource is 'floating-ip', which no meter names (meters: 'cpu-usage', "
        "'memory-allocation', 'diskio-reads', 'diskio-writes', 'neutron-data-rx', "
        "'neutron-data-tx'; or pass unknown='skip')."
    )
    with pytest.raises(rk.BadRecordError) as error:
        borel.usage_rows(FIRST)
    assert str(error.value) == (
        "Borel row [0].start is missing; it must be an ISO-8601 instant like '2026-03-02T08:00:00Z'."
    )
    broken = copy.deepcopy(FIRST)
    broken[3]["uom"] = "MB-$"
    with pytest.raises(
        rk.BadRecordError,
        # the row's id, 110 characters, is quoted as every value is: abridged to 80
        match=r"Borel row \[3\]\.uom \(row '21891/memory-allocation/284a9f20-4d5e\.\.\."
        r"6-03-01T00:00:00Z/2026-03-16T00:00:00Z'\) is 'MB-\$', a unit that "
        r"cannot be read",
    ):
        borel.usage_rows(broken, period=FIRST_HALF)
    broken[3]["uom"] = "MB-%"  # '%' is a unit (a hundredth), so MB*% is data, not data*time
    with pytest.raises(rk.BadRecordError) as error:
        borel.usage_rows(broken, period=FIRST_HALF)
    assert str(error.value) == (
        "Borel row [3].uom (row '21891/memory-allocation/284a9f20-4d5e..."
        "6-03-01T00:00:00Z/2026-03-16T00:00:00Z') is 'MB-%', not a unit meter "
        "'memory-allocation' in 'GiB*s' can take: "
        "Cannot convert 'MiB-%' to 'GiB*s': 'MiB-%' measures data and 'GiB*s' measures "
        "data*time."
    )
    broken[3]["uom"] = "MB-fortnight"
    with pytest.raises(rk.BadRecordError) as error:
        borel.usage_rows(broken, period=FIRST_HALF)
    assert str(error.value).startswith(
        "Borel row [3].uom (row '21891/memory-allocation/284a9f20-4d5e..."
        "6-03-01T00:00:00Z/2026-03-16T00:00:00Z') is 'MB-fortnight', not a unit meter "
        "'memory-allocation' in 'GiB*s' can take: Cannot convert 'MiB-fortnight' to 'GiB*s'"
    )
    broken = copy.deepcopy(FIRST)
    broken[2]["quantity"] = None
    with pytest.raises(rk.BadRecordError) as error:
        borel.usage_rows(broken, period=FIRST_HALF)
    assert str(error.value) == "Borel row [2].quantity must be a number, not None."
    broken = copy.deepcopy(SECOND)
    broken[0]["end"] = "2026-03-01T00:00:00Z"
    with pytest.raises(
        rk.BadRecordError, match=r"\[0\]\.end 2026-03-01T00:00:00Z comes before its start"
    ):
        borel.usage_rows(broken, unknown="skip")


def test_meters_in_borels_own_units_take_the_rows_as_written() -> None:
    # A meter in 'cpu-ns' takes cpu-ns as it is; one in 'cpu*hour' converts the ns part:
    # 516570000000 ns = 0.14349166... h, which does not end, so the first 60 digits.
    as_written = rk.Meter("cpu-usage", "cpu-ns", rk.Discrete())
    # Borel's MB-ns is MiB x ns: a meter in 'MiB-ns' takes the quantity as it is; one in
    # decimal 'MB-ns' gets 9942017556480000 x 1048576 / 10^6 = 10424961001303572.48.
    memory = rk.Meter("memory-allocation", "MiB-ns", rk.Discrete())
    cpu, mem = borel.usage_rows(FIRST[2:], period=FIRST_HALF, meters=[as_written, memory])
    assert cpu.value == Decimal(516570000000)
    assert mem.value == Decimal(9942017556480000)
    decimal = rk.Meter("memory-allocation", "MB-ns", rk.Discrete())
    (mem,) = borel.usage_rows(FIRST[3:], period=FIRST_HALF, meters=[decimal])
    assert mem.value == Decimal("10424961001303572.48")
    cpu_hours = rk.Meter("cpu-usage", "cpu*hour", rk.Discrete())
    (cpu,) = borel.usage_rows(FIRST[2:3], period=FIRST_HALF, meters=[cpu_hours])
    assert cpu.value == rk.convert(516570000000, "ns", "hour")
    assert str(cpu.value).startswith("0.1434916666")


def test_ids_escape_their_separator_so_two_rows_never_share_one() -> None:
    # Joined with "/" as written, both rows were
    # "acme/cpu-usage/memory-allocation/vm-1/<start>/<end>": a conflict, or with
    # conflicts="anomaly" acme's 7 CPU-seconds silently not billed.
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    rows = [
        {"customer-id": "acme/cpu-usage", "resource": "memory-allocation",
         "resource_id": "vm-1", "quantity": 5, "uom": "MB-ns"},
        {"customer-id": "acme", "resource": "cpu-usage",
         "resource_id": "memory-allocation/vm-1", "quantity": 7000000000, "uom": "cpu-ns"},
        {"customer-id": "50%", "resource": "cpu-usage", "resource_id": "vm-1",
         "quantity": 1, "uom": "cpu-ns"},
    ]  # fmt: skip
    ids = [sample.id for sample in borel.usage_rows(rows, period=march)]
    span = "2026-03-01T00:00:00Z/2026-04-01T00:00:00Z"
    assert ids == [
        f"acme%2Fcpu-usage/memory-allocation/vm-1/{span}",
        f"acme/cpu-usage/memory-allocation%2Fvm-1/{span}",
        f"50%25/cpu-usage/vm-1/{span}",
    ]
    # Both billed: acme's 7e9 ns = 7 CPU-seconds.
    usage = rk.meter(
        borel.usage_rows(rows[1:2], period=march) + borel.usage_rows(rows[:1], period=march),
        borel.METERS, span=march, cycle=None, as_of=march.end,
    )  # fmt: skip
    assert usage.total("cpu-usage") == Decimal(7)


PARTS = st.text(alphabet="a/%2F", min_size=1, max_size=5)


@settings(max_examples=LAWS)
@given(st.lists(st.tuples(PARTS, PARTS, PARTS), min_size=2, max_size=2))
def test_ids_are_injective(triples: list[tuple[str, str, str]]) -> None:
    # Oracle: the id splits back into the row's customer, resource and resource id.
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    rows = [
        {"customer-id": customer, "resource": "cpu-usage", "resource_id": resource_id,
         "quantity": 1, "uom": "cpu-ns"}
        for customer, _, resource_id in triples
    ]  # fmt: skip
    ids = [sample.id or "" for sample in borel.usage_rows(rows, period=march)]
    for (customer, _, resource_id), record_id in zip(triples, ids, strict=True):
        parts = [unquote(part) for part in record_id.split("/")[:3]]
        assert parts == [customer, "cpu-usage", resource_id]
    assert (ids[0] == ids[1]) == ((triples[0][0], triples[0][2]) == (triples[1][0], triples[1][2]))
