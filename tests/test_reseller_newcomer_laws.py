"""Laws of an object-storage provider's quarter: a brute-force Fraction oracle, and any cut.

The oracle states the documented rules and nothing else, in ``fractions.Fraction``:

- GB-month: the time-weighted mean over the cycle of the last gauge at or before each
  instant (0 before a bucket's first gauge: ``over="period"``), per bucket, added up over
  the account's buckets; priced per unit, by the share of the cycle the plan covers;
- PUTs and GETs: the cycle's net deltas where the account has a plan, priced per started
  block (a net below zero costs 0); egress the same under graduated tiers;
- the support fee prorated to the plan's share of the cycle;
- each invoice line rounded half-even to the cent, the total the sum of the lines.

And the cuts: the same records in any files, any order, with replays, rate as one batch;
``ratekit.scaleout.rate_by_account`` gives one process's result over any partitions.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._reseller_lake import (
    EGRESS_TIERS,
    GET_BLOCK,
    GET_PRICE,
    METERS,
    MONTHLY,
    PUT_BLOCK,
    PUT_PRICE,
    Q1,
    STORED_PRICE,
    SUPPORT_FEE,
    at,
    direct_plan,
    discounted_plan,
    graduated,
    packages,
    round_half_even,
)

import ratekit as rk

HOURS = 2160  # January to March 2026
MONTHS = [(0, 744), (744, 1416), (1416, 2160)]  # [start, end) in hours from 1 January
FACTORS = {"direct": Fraction(1), "reseller": Fraction(4, 5)}


@st.composite
def quarters(
    draw: st.DrawFn,
) -> tuple[list[rk.Sample], list[rk.Assignment], dict[str, tuple[str, int, int]]]:
    """Random accounts, plans with an optional gap (in hours), and their buckets' records."""
    accounts = draw(
        st.lists(
            st.sampled_from(["acme", "shop-1", "shop-2", "tiny"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    records: list[rk.Sample] = []
    assignments: list[rk.Assignment] = []
    terms: dict[str, tuple[str, int, int]] = {}
    serial = 0
    for account in accounts:
        plan_id = draw(st.sampled_from(sorted(FACTORS)))
        plan = direct_plan() if plan_id == "direct" else discounted_plan(Decimal(20))
        gap_start = draw(st.integers(0, HOURS - 1))
        gap_end = draw(
            st.sampled_from([gap_start, min(HOURS, gap_start + 168), min(HOURS, gap_start + 1)])
        )
        terms[account] = (plan_id, gap_start, gap_end)
        if gap_end > gap_start:
            if gap_start > 0:
                assignments.append(rk.Assignment(account, plan, end=at(gap_start)))
            assignments.append(rk.Assignment(account, plan, start=at(gap_end)))
        else:
            assignments.append(rk.Assignment(account, plan))
        for bucket in draw(st.lists(st.sampled_from(["b1", "b2"]), max_size=2, unique=True)):
            hours = draw(st.lists(st.integers(0, HOURS - 1), max_size=6, unique=True))
            for hour in hours:
                level = draw(st.sampled_from(["0", "1E-9", "1", "2.5", "1000", "123456.789"]))
                serial += 1
                records.append(
                    rk.Sample(
                        account, bucket, "stored", at(hour), level, kind="gauge", id=f"r{serial}"
                    )
                )
            for meter, values in (
                ("put", st.integers(-3000, 30000)),
                ("get", st.integers(-30000, 300000)),
                ("egress", st.sampled_from(["-150", "0.5", "99", "100.25", "20000", "60000"])),
            ):
                for hour, value in draw(
                    st.lists(st.tuples(st.integers(0, HOURS - 1), values), max_size=4)
                ):
                    serial += 1
                    records.append(
                        rk.Sample(account, bucket, meter, at(hour), value, id=f"r{serial}")
                    )
    return records, assignments, terms


Lines = dict[tuple[str, int], dict[str, Decimal]]


def _oracle(records: list[rk.Sample], terms: dict[str, tuple[str, int, int]]) -> Lines:
    """Each (account, month)'s invoice lines by entry, by the documented rules, in Fractions.

    The storage line is left out of a month the plan covers in part: there the mean is
    priced by the plan's share of the month, not where its GB-hours lie, a fault pinned in
    ``test_reseller_newcomer_faults.py``; the law holds what is right either way."""
    us = 3_600_000_000
    start_us = Q1.start.timestamp() * 1_000_000
    gauges: dict[tuple[str, str], list[tuple[Fraction, Fraction]]] = defaultdict(list)
    deltas: dict[tuple[str, str, int], Fraction] = defaultdict(Fraction)
    for record in records:
        hour = Fraction(int(record.at_us - start_us), us)
        if record.meter == "stored":
            gauges[(record.account, record.resource)].append((hour, Fraction(record.value)))
        else:
            month = next(m for m, (a, b) in enumerate(MONTHS) if a <= hour < b)
            _plan, gap_start, gap_end = terms[record.account]
            if not gap_start <= hour < gap_end:
                deltas[(record.account, record.meter, month)] += Fraction(record.value)
    totals: Lines = {}
    for account, (plan_id, gap_start, gap_end) in terms.items():
        factor = FACTORS[plan_id]
        for month, (a, b) in enumerate(MONTHS):
            gap = max(0, min(b, gap_end) - max(a, gap_start))
            share = Fraction(b - a - gap, b - a)
            gb_month = Fraction(0)
            for (owner, _bucket), readings in gauges.items():
                if owner != account:
                    continue
                readings.sort()
                integral = Fraction(0)
                for i, (hour, level) in enumerate(readings):
                    until = readings[i + 1][0] if i + 1 < len(readings) else Fraction(b)
                    integral += level * max(0, min(until, b) - max(hour, a))
                gb_month += integral / (b - a)
            lines = {
                "put": packages(
                    max(Fraction(0), deltas[(account, "put", month)]), PUT_BLOCK, PUT_PRICE
                )
                * factor,
                "get": packages(
                    max(Fraction(0), deltas[(account, "get", month)]), GET_BLOCK, GET_PRICE
                )
                * factor,
                "egress": graduated(
                    max(Fraction(0), deltas[(account, "egress", month)]), EGRESS_TIERS
                )
                * factor,
                "support": Fraction(SUPPORT_FEE) * factor * share,
            }
            if share == 1:
                lines["storage"] = Fraction(STORED_PRICE) * factor * gb_month
            totals[(account, month)] = {
                entry: round_half_even(line) for entry, line in lines.items()
            }
    return totals


def _totals(invoices: tuple[rk.Invoice, ...]) -> dict[tuple[str, int], Decimal]:
    months = [MONTHLY.containing(at(a)) for a, _b in MONTHS]
    return {(i.account, months.index(i.cycle)): i.total for i in invoices}


def _assert_lines(invoices: tuple[rk.Invoice, ...], expected: Lines) -> None:
    """Each invoice line the oracle states has its amount; a line not billed is 0.00."""
    months = [MONTHLY.containing(at(a)) for a, _b in MONTHS]
    billed: Lines = defaultdict(dict)
    for invoice in invoices:
        key = (invoice.account, months.index(invoice.cycle))
        for line in invoice.lines:
            assert line.entry is not None
            billed[key][line.entry] = line.amount
        assert invoice.total == sum(billed[key].values(), Decimal(0))
    for key, lines in expected.items():
        for entry, amount in lines.items():
            assert billed[key].get(entry, Decimal("0.00")) == amount, (key, entry)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(quarters())
def test_the_quarters_invoices_are_the_oracles(
    quarter: tuple[list[rk.Sample], list[rk.Assignment], dict[str, tuple[str, int, int]]],
) -> None:
    records, assignments, terms = quarter
    invoices = rk.bill(rk.rate(records, assignments, span=Q1, meters=METERS))
    _assert_lines(invoices, _oracle(records, terms))


def _files(records: list[rk.Sample], seed: int) -> list[rk.Sample]:
    """The records cut into 1 to 4 files, some replayed in a later file, in a random order."""
    rng = random.Random(seed)
    files: list[list[rk.Sample]] = [[] for _ in range(rng.randint(1, 4))]
    for record in records:
        rng.choice(files).append(record)
        if rng.random() < 0.2:
            rng.choice(files).append(record)  # a replay: the same id and content
    for file in files:
        rng.shuffle(file)
    rng.shuffle(files)
    return [record for file in files for record in file]


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(quarters(), st.integers(0, 2**32))
def test_files_orders_and_replays_rate_as_one_batch(
    quarter: tuple[list[rk.Sample], list[rk.Assignment], dict[str, tuple[str, int, int]]], seed: int
) -> None:
    records, assignments, _terms = quarter
    once = rk.rate(records, assignments, span=Q1, meters=METERS)
    lake = _files(records, seed)
    again = rk.rate(lake, assignments, span=Q1, meters=METERS)
    assert again.charges == once.charges
    assert rk.bill(again) == rk.bill(once)
    replays = len(lake) - len(records)
    assert sum(1 for a in again.anomalies if a.kind == "duplicate") == replays
    assert [a for a in again.anomalies if a.kind != "duplicate"] == list(once.anomalies)


@pytest.mark.property
@settings(max_examples=max(LAWS // 10, 20), deadline=None)  # a Dask graph per example: 10x dearer
@given(quarters(), st.integers(0, 2**32), st.integers(1, 5), st.booleans())
def test_rated_by_account_on_dask_equals_one_process(
    quarter: tuple[list[rk.Sample], list[rk.Assignment], dict[str, tuple[str, int, int]]],
    seed: int,
    partitions: int,
    shuffle: bool,
) -> None:
    dask = pytest.importorskip("dask")
    bag_module = pytest.importorskip("dask.bag")
    from ratekit.scaleout import rate_by_account

    records, assignments, _terms = quarter
    once = rk.rate(records, assignments, span=Q1, meters=METERS)
    rng = random.Random(seed)
    shuffled = list(records)
    rng.shuffle(shuffled)
    with dask.config.set(scheduler="synchronous"):
        if shuffle or not shuffled:
            bag = bag_module.from_sequence(shuffled or [], npartitions=partitions)
        else:
            groups: dict[str, list[rk.Sample]] = defaultdict(list)
            for record in shuffled:
                groups[record.account].append(record)
            parts: list[list[rk.Sample]] = [[] for _ in range(partitions)]
            for records_of_account in groups.values():
                rng.choice(parts).extend(records_of_account)
            bag = bag_module.from_delayed([dask.delayed(part) for part in parts])
        rating, invoices = rate_by_account(
            bag, assignments, span=Q1, meters=METERS, shuffle=shuffle
        )
    assert rating.charges == once.charges
    assert invoices == rk.bill(once)
    assert sorted(map(str, rating.anomalies)) == sorted(map(str, once.anomalies))
    assert rating.no_effect == once.no_effect


def test_the_oracle_agrees_with_a_month_worked_by_hand() -> None:
    # acme direct, a gap from hour 1000 to 1168 (10 Feb 16:00 to 17 Feb 16:00, 168 of 672 h).
    # 1,000 GB from hour 744 (1 Feb): February's mean 1,000, priced x 504/672 = 750 x 0.023 =
    # 17.25; 1,500 PUTs on 1 Feb (2 blocks, 0.01), 2,000 in the gap (unbilled); fee 3.75.
    records = [
        rk.Sample("acme", "b1", "stored", at(744), 1000, kind="gauge", id="g"),
        rk.Sample("acme", "b1", "put", at(745), 1500, id="p1"),
        rk.Sample("acme", "b1", "put", at(1100), 2000, id="p2"),
    ]
    terms = {"acme": ("direct", 1000, 1168)}
    expected = {"put": Decimal("0.01"), "get": Decimal("0.00"), "egress": Decimal("0.00")}
    # The storage line is left out of a month the plan covers in part (see _oracle).
    assert _oracle(records, terms)[("acme", 1)] == {**expected, "support": Decimal("3.75")}
    # March, covered whole: 1,000 GB all month, 23.00.
    assert _oracle(records, terms)[("acme", 2)] == {
        **expected,
        "put": Decimal("0.00"),
        "support": Decimal("5.00"),
        "storage": Decimal("23.00"),
    }
    plan = direct_plan()
    assignments = [
        rk.Assignment("acme", plan, end=at(1000)),
        rk.Assignment("acme", plan, start=at(1168)),
    ]
    rated = _totals(rk.bill(rk.rate(records, assignments, span=Q1, meters=METERS)))
    assert rated[("acme", 1)] == Decimal("21.01")


def test_hours_are_whole_hours_from_the_first_of_january() -> None:
    assert at(744) - at(0) == timedelta(days=31)
    assert [MONTHLY.containing(at(a)).start for a, _b in MONTHS] == [at(a) for a, _b in MONTHS]


@st.composite
def switches(draw: st.DrawFn) -> tuple[list[rk.Sample], list[rk.Assignment], dict[str, int]]:
    """Accounts moving from the list prices to a 20 % reseller at a random hour, with
    corrections that never take back more than the month has billed so far.

    The deltas of a meter are on one bucket, and in each month's part under one plan no
    usage follows a correction: metering nets a part's deltas into one row per bucket, and
    a correction followed by usage in one row takes back nothing of the plan before (the
    fault pinned in ``test_reseller_newcomer_faults.py``)."""
    accounts = draw(
        st.lists(st.sampled_from(["acme", "shop-1", "shop-2"]), min_size=1, max_size=2, unique=True)
    )
    records: list[rk.Sample] = []
    assignments: list[rk.Assignment] = []
    changes: dict[str, int] = {}
    serial = 0
    for account in accounts:
        change = draw(st.integers(1, HOURS - 1))
        changes[account] = change
        assignments += [
            rk.Assignment(account, direct_plan(), end=at(change)),
            rk.Assignment(account, discounted_plan(Decimal(20)), start=at(change)),
        ]
        for hour in draw(st.lists(st.integers(0, HOURS - 1), max_size=4, unique=True)):
            serial += 1
            level = draw(st.sampled_from(["0", "7", "1000", "2.5"]))
            records.append(
                rk.Sample(account, "b1", "stored", at(hour), level, kind="gauge", id=f"r{serial}")
            )
        for meter, amounts in (
            ("put", st.integers(1, 20000)),
            (
                "egress",
                st.sampled_from(
                    [Decimal("0.5"), Decimal(99), Decimal("100.25"), Decimal(20000), Decimal(60000)]
                ),
            ),
        ):
            hours = sorted(draw(st.lists(st.integers(0, HOURS - 1), max_size=6, unique=True)))
            billed: dict[int, Decimal] = defaultdict(Decimal)  # per month, the net so far
            corrected: set[tuple[int, bool]] = set()  # (month, under the reseller) corrected
            for hour in hours:
                month = next(m for m, (a, b) in enumerate(MONTHS) if a <= hour < b)
                part = (month, hour >= change)
                amount = Decimal(draw(amounts))
                if billed[month] > 0 and (part in corrected or draw(st.booleans())):
                    amount = -min(amount, billed[month])  # a correction, at most what was billed
                    corrected.add(part)
                elif part in corrected:
                    continue  # no usage after a correction in one part (see above)
                billed[month] += amount
                serial += 1
                records.append(rk.Sample(account, "b1", meter, at(hour), amount, id=f"r{serial}"))
    return records, assignments, changes


def _take_back(stack: list[tuple[str, Fraction]], plan: str, value: Fraction) -> None:
    """Push usage on the month's stack, or take a correction back last in, first out."""
    if value > 0:
        stack.append((plan, value))
    while value < 0:
        owner, units = stack.pop()
        taken = min(-value, units)
        value += taken
        if units > taken:
            stack.append((owner, units - taken))


def _switch_oracle(records: list[rk.Sample], changes: dict[str, int]) -> Lines:
    """Each plan's part climbs its own blocks and tiers; a correction takes back the month's
    units last in, first out, each from the plan that billed it (the pricing page)."""
    us = 3_600_000_000
    start_us = Q1.start.timestamp() * 1_000_000
    stacks: dict[tuple[str, str, int], list[tuple[str, Fraction]]] = defaultdict(list)
    gauges: dict[str, list[tuple[Fraction, Fraction]]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r.at_us):
        hour = Fraction(int(record.at_us - start_us), us)
        if record.meter == "stored":
            gauges[record.account].append((hour, Fraction(record.value)))
            continue
        month = next(m for m, (a, b) in enumerate(MONTHS) if a <= hour < b)
        plan = "reseller" if hour >= changes[record.account] else "direct"
        _take_back(stacks[(record.account, record.meter, month)], plan, Fraction(record.value))
    totals: Lines = {}
    for account, change in changes.items():
        for month, (a, b) in enumerate(MONTHS):
            shares = {
                "direct": Fraction(max(0, min(b, change) - a), b - a),
                "reseller": Fraction(max(0, b - max(a, change)), b - a),
            }
            readings = sorted(gauges[account])
            integral = Fraction(0)
            for i, (hour, level) in enumerate(readings):
                until = readings[i + 1][0] if i + 1 < len(readings) else Fraction(b)
                integral += level * max(0, min(until, b) - max(hour, a))
            mean = integral / (b - a)
            lines = {
                "storage": Fraction(0),
                "put": Fraction(0),
                "egress": Fraction(0),
                "support": Fraction(0),
            }
            for plan, share in shares.items():
                factor = FACTORS[plan]
                lines["storage"] += Fraction(STORED_PRICE) * factor * mean * share
                lines["support"] += Fraction(SUPPORT_FEE) * factor * share
                for meter in ("put", "egress"):
                    units = sum(
                        (u for p, u in stacks[(account, meter, month)] if p == plan), Fraction(0)
                    )
                    if meter == "put":
                        lines[meter] += packages(units, PUT_BLOCK, PUT_PRICE) * factor
                    else:
                        lines[meter] += graduated(units, EGRESS_TIERS) * factor
            if 0 in shares.values():  # one plan all month: the mean is that plan's
                totals[(account, month)] = {e: round_half_even(v) for e, v in lines.items()}
            else:  # the storage line is priced by each plan's share (the pinned fault)
                totals[(account, month)] = {
                    e: round_half_even(v) for e, v in lines.items() if e != "storage"
                }
    return totals


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(switches())
def test_a_move_to_a_reseller_mid_month_bills_each_plan_its_part(
    quarter: tuple[list[rk.Sample], list[rk.Assignment], dict[str, int]],
) -> None:
    records, assignments, changes = quarter
    invoices = rk.bill(rk.rate(records, assignments, span=Q1, meters=METERS))
    _assert_lines(invoices, _switch_oracle(records, changes))
