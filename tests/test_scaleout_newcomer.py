"""A fleet's month rated by account on Dask (`ratekit.scaleout`), checked against one process.

A newcomer's view, from `docs/performance.md` ("Scaling out by account") and
`help(ratekit.scaleout)` alone: many accounts (some with odd or non-ASCII names), VMs
started and stopped, egress samples, a price change on 15 March, graduated egress per
account, a monthly cycle in Europe/Zurich. Every total of the one-process rating is
checked against an oracle in `Fraction`s; the scale-out must then give that rating
exactly (every charge, row, invoice, anomaly and `no_effect`), whatever the partition
count, the order of the input, empty partitions or an account spread over several
partitions. These run on Dask's threaded scheduler; the two-worker cluster is in
`test_scaleout_newcomer_cluster.py`.
"""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk

dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")

from ratekit.scaleout import bill_by_account, partition_of, rate_by_account  # noqa: E402

MONTHLY = rk.cycles.monthly(tz="Europe/Zurich")
# March in Zurich: 2026-02-28T23:00Z .. 2026-03-31T22:00Z, 743 hours (the clocks go
# forward on 29 March).
MARCH = MONTHLY.containing("2026-03-15T12:00:00Z")
HOUR_US = 3_600_000_000
START_US = int(MARCH.start.timestamp()) * 1_000_000
MARCH_HOURS = 743
CHANGE = "2026-03-15T00:00:00Z"
# 2026-02-28T23:00Z to 2026-03-15T00:00Z: 14 days and 1 hour.
CHANGE_HOUR = 337

METERS = [rk.Meter("vm.hours", "hour", rk.OnOff()), rk.Meter("egress", "GB", rk.Discrete())]
PRICES = {"small": "0.020", "large": "0.080", "small15": "0.018", "large15": "0.072"}
PLAN = rk.Plan(
    "standard",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("small", "vm.hours", rk.PerUnit(PRICES["small"]), where={"flavor": "small"}),
        rk.PriceEntry("large", "vm.hours", rk.PerUnit(PRICES["large"]), where={"flavor": "large"}),
        rk.PriceEntry("small15", "vm.hours", rk.PerUnit(PRICES["small15"]),
                      where={"flavor": "small"}, start=CHANGE, priority=1),
        rk.PriceEntry("large15", "vm.hours", rk.PerUnit(PRICES["large15"]),
                      where={"flavor": "large"}, start=CHANGE, priority=1),
        rk.PriceEntry("egress", "egress", rk.Graduated(
            [rk.Tier(100, "0"), rk.Tier(1000, "0.09"), rk.Tier(None, "0.05")])),
    ],
    fees=[rk.Fee("support", "10.00")],
)  # fmt: skip

# Odd names: non-ASCII, combining and precomposed (two accounts), spaces, a slash, a
# digit, brackets that look like an index, quotes, a tab.
ACCOUNTS = (
    "acme", "globex", "zürich-ag", "東京", "a b", "x/y", "0", "Ω",
    "e\u0301", "\u00e9", "records[0]", "'quoted'", "tab\there",
)  # fmt: skip


def at(hour: int) -> dt.datetime:
    """The instant `hour` hours after the start of March in Zurich."""
    return dt.datetime.fromtimestamp((START_US + hour * HOUR_US) / 1e6, dt.UTC)


def fleet(
    seed: int, accounts: tuple[str, ...] = ACCOUNTS, *, ids: bool = True
) -> list[rk.Event | rk.Sample]:
    """Two VMs per account, three runs each (start with a flavor, stop), three samples each.

    Runs start at whole hours and never overlap: a run is at most 119 hours and the gaps
    at most 59, so the last stop is before hour 40 + 3 x 178 = 574 < 743.
    """
    rnd = random.Random(seed)
    records: list[rk.Event | rk.Sample] = []
    for account in accounts:
        for vm in ("vm-1", "vm-2"):
            hour = rnd.randrange(0, 40)
            for _ in range(3):
                flavor = rnd.choice(("small", "large"))
                stop = hour + rnd.randrange(1, 120)
                records.append(
                    rk.Event(
                        account,
                        vm,
                        at(hour),
                        {"flavor": flavor},
                        kind="start",
                        id=f"{account}/{vm}/start/{hour}" if ids else None,
                    )
                )
                records.append(
                    rk.Event(
                        account,
                        vm,
                        at(stop),
                        kind="stop",
                        id=f"{account}/{vm}/stop/{stop}" if ids else None,
                    )
                )
                hour = stop + rnd.randrange(1, 60)
            for _ in range(3):
                hour = rnd.randrange(0, MARCH_HOURS)
                gb = Decimal(rnd.randrange(1, 4000)) / 10
                records.append(
                    rk.Sample(
                        account,
                        vm,
                        "egress",
                        at(hour),
                        gb,
                        id=f"{account}/{vm}/egress/{hour}/{gb}" if ids else None,
                    )
                )
    return records  # fmt: skip


def cents(value: Fraction) -> Decimal:
    """`value` rounded once, half-even, to the cent (the plan's quantum and rounding)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)  # prices end in 3 places
    return exact.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_EVEN)


def oracle(records: list[rk.Event | rk.Sample]) -> dict[str, dict[str, Decimal]]:
    """Each account's invoice lines (entry -> amount) and total, worked in Fractions.

    The records are a `fleet()`'s (possibly with exact replays): a VM runs from each start
    to the next stop; its hours before hour 337 (15 March, 00:00Z) are priced by its
    flavor's entry, those after by the `15` entry; egress is the sum of the samples,
    priced by the graduated tiers (100 free, 0.09 up to 1000, 0.05 above); each line
    is rounded once; the fee is 10.00 (the plan covers the whole cycle).
    """
    hours: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    egress: dict[str, Fraction] = collections.defaultdict(Fraction)
    runs: dict[tuple[str, str], list[tuple[int, str, str | None]]] = collections.defaultdict(list)
    seen = set()
    for record in records:
        key = repr(record)
        if key in seen:  # an exact replay changes nothing
            continue
        seen.add(key)
        hour = (record.at_us - START_US) // HOUR_US
        if isinstance(record, rk.Sample):
            egress[record.account] += Fraction(record.value)
        else:
            flavor = record.attributes.get("flavor") if record.attributes else None
            runs[record.account, record.resource].append((hour, record.kind, flavor))
    for (account, _), events in runs.items():
        events.sort()
        for (start, kind, flavor), (stop, next_kind, _) in zip(
            events[::2], events[1::2], strict=True
        ):
            assert (kind, next_kind, flavor is None) == ("start", "stop", False)
            hours[account][flavor] += max(0, min(stop, CHANGE_HOUR) - start)
            hours[account][f"{flavor}15"] += max(0, stop - max(start, CHANGE_HOUR))
    bills: dict[str, dict[str, Decimal]] = {}
    for account in sorted({*hours, *egress}):
        lines = {
            entry: cents(n * Fraction(PRICES[entry])) for entry, n in hours[account].items() if n
        }
        gb = egress[account]
        if gb:
            lines["egress"] = cents(
                Fraction(9, 100) * max(0, min(gb, 1000) - 100)
                + Fraction(5, 100) * max(0, gb - 1000)
            )
        lines["support"] = Decimal("10.00")
        lines["total"] = sum(lines.values(), Decimal(0))
        bills[account] = lines
    return bills


def lines_of(invoices: tuple[rk.Invoice, ...]) -> dict[str, dict[str, Decimal]]:
    """The invoices as the oracle gives them: entry -> amount, and the total."""
    return {
        invoice.account: {
            **{line.entry: line.amount for line in invoice.lines},
            "total": invoice.total,
        }
        for invoice in invoices
    }


DECIMAL_FIELDS = ("quantity", "amount", "precise", "free", "unit_price", "total", "precise_total")


def text_of_decimals(values: object) -> list[str]:
    """Every Decimal of charges, rows or invoice lines as text (`1E+3` is not `1000`)."""
    out = []
    for value in values:  # type: ignore[attr-defined]
        out.extend(f"{name}={getattr(value, name, None)}" for name in DECIMAL_FIELDS)
        for line in getattr(value, "lines", ()):
            out.extend(text_of_decimals([line]))
    return out


def assert_same(
    got: tuple[rk.Rating, tuple[rk.Invoice, ...]], one: rk.Rating, tz: str | None = None
) -> None:
    """`rate_by_account`'s result is one process's, exactly (anomalies grouped by part)."""
    rating, invoices = got
    expected = rk.bill(one, tz=tz)
    assert rating.charges == one.charges
    assert rating.rows == one.rows
    assert collections.Counter(rating.anomalies) == collections.Counter(one.anomalies)
    assert len(rating.anomalies) == len(one.anomalies)
    assert rating.no_effect == one.no_effect
    assert invoices == expected
    assert text_of_decimals(rating.charges) == text_of_decimals(one.charges)
    assert text_of_decimals(rating.rows) == text_of_decimals(one.rows)
    assert text_of_decimals(invoices) == text_of_decimals(expected)
    assert [str(invoice) for invoice in invoices] == [str(invoice) for invoice in expected]


def assert_same_bills(got: tuple[tuple[rk.Invoice, ...], tuple[rk.Anomaly, ...], tuple[tuple[str, str], ...]],
                      one: rk.Rating, tz: str | None = None) -> None:  # fmt: skip
    """`bill_by_account`'s result is one process's invoices, anomalies and no_effect."""
    invoices, anomalies, no_effect = got
    expected = rk.bill(one, tz=tz)
    assert invoices == expected
    assert text_of_decimals(invoices) == text_of_decimals(expected)
    assert all(line.charges == () for invoice in invoices for line in invoice.lines)
    assert collections.Counter(anomalies) == collections.Counter(one.anomalies)
    assert no_effect == one.no_effect


@pytest.fixture(autouse=True)
def threads():
    with dask.config.set(scheduler="threads"):
        yield


def test_the_hand_worked_month():
    # acme's vm-1, small, runs 03-01 00:00Z to 03-20 00:00Z: 336 h before 15 March at
    # 0.020 = 6.72, 120 h after at 0.018 = 2.16. Egress 180 + 950 = 1130 GB: 100 free,
    # 900 x 0.09 = 81.00, 130 x 0.05 = 6.50, so 87.50. With the fee of 10.00: 106.38.
    # globex's vm-9, large, runs 03-31 20:00Z to 04-01 00:00Z: 2 h inside March in Zurich
    # (which ends at 22:00Z) x 0.072 = 0.144, 0.14; with the fee 10.14.
    records = [
        rk.Event(
            "acme", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "small"}, kind="start", id="e1"
        ),
        rk.Event("acme", "vm-1", "2026-03-20T00:00:00Z", kind="stop", id="e2"),
        rk.Sample("acme", "vm-1", "egress", "2026-03-09T00:00:00Z", 180, id="s1"),
        rk.Sample("acme", "vm-1", "egress", "2026-03-25T00:00:00Z", 950, id="s2"),
        rk.Event(
            "globex", "vm-9", "2026-03-31T20:00:00Z", {"flavor": "large"}, kind="start", id="g1"
        ),
        rk.Event("globex", "vm-9", "2026-04-01T00:00:00Z", kind="stop", id="g2"),
    ]
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    expected = {
        "acme": {"small": Decimal("6.72"), "small15": Decimal("2.16"), "egress": Decimal("87.50"),
                 "support": Decimal("10.00"), "total": Decimal("106.38")},
        "globex": {"large15": Decimal("0.14"), "support": Decimal("10.00"), "total": Decimal("10.14")},
    }  # fmt: skip
    assert lines_of(rk.bill(one)) == expected
    for partitions in (1, 2, 5):
        bag = db.from_sequence(records, npartitions=partitions)
        got = rate_by_account(bag, PLAN, span=MARCH, meters=METERS)
        assert lines_of(got[1]) == expected
        assert_same(got, one)
        assert lines_of(bill_by_account(bag, PLAN, span=MARCH, meters=METERS)[0]) == expected


def test_the_fleet_month_in_one_process_is_the_fraction_oracle():
    records = fleet(1)
    bills = rk.bill(rk.rate(records, PLAN, span=MARCH, meters=METERS))
    assert lines_of(bills) == oracle(records)
    assert len(bills) == len(ACCOUNTS) == 13


@pytest.mark.parametrize("partitions", [1, 2, 7, 15])
def test_any_partition_count_and_input_order_give_one_process(partitions):
    records = fleet(2)
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    assert lines_of(rk.bill(one)) == oracle(records)
    shuffled = records[:]
    random.Random(partitions).shuffle(shuffled)
    bag = db.from_sequence(shuffled, npartitions=partitions)
    assert_same(rate_by_account(bag, PLAN, span=MARCH, meters=METERS), one)
    assert_same_bills(bill_by_account(bag, PLAN, span=MARCH, meters=METERS), one)
    # Regrouped into more parts than the bag has partitions (15: more than the 13 accounts).
    regrouped = db.from_sequence(shuffled, npartitions=2)
    got = rate_by_account(regrouped, PLAN, span=MARCH, meters=METERS, partitions=partitions)
    assert_same(got, one)


def test_empty_partitions_and_an_account_in_several_partitions():
    records = fleet(3)
    acme = [r for r in records if r.account == "acme"]
    some = [r for r in records if r.account in ACCOUNTS[1:7]]
    rest = [r for r in records if r.account in ACCOUNTS[7:]]
    # acme's 18 records in three partitions, around empty ones; the others whole.
    parts = [[], acme[:6], [], [*acme[6:12], *some], acme[12:], rest, []]
    bag = db.from_delayed([dask.delayed(list)(part) for part in parts])
    assert bag.npartitions == 7
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    assert_same(rate_by_account(bag, PLAN, span=MARCH, meters=METERS), one)
    assert_same_bills(bill_by_account(bag, PLAN, span=MARCH, meters=METERS), one)
    # Without the shuffle, those partitions do not hold whole accounts: refused, named.
    for function in (rate_by_account, bill_by_account):
        with pytest.raises(rk.SplitAccountError, match=r"\['acme'\]") as raised:
            function(bag, PLAN, span=MARCH, meters=METERS, shuffle=False)
        assert function.__name__ in str(raised.value)


def test_input_cut_by_account_beforehand_goes_without_the_shuffle():
    records = fleet(4)
    parts: dict[int, list[rk.Event | rk.Sample]] = collections.defaultdict(list)
    for record in records:
        parts[partition_of(record.account, 4)].append(record)
    bag = db.from_delayed(
        [dask.delayed(list)(parts[n]) for n in range(4)] + [dask.delayed(list)([])]
    )
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    assert_same(rate_by_account(bag, PLAN, span=MARCH, meters=METERS, shuffle=False), one)
    assert_same_bills(bill_by_account(bag, PLAN, span=MARCH, meters=METERS, shuffle=False), one)


def test_partition_of_is_crc32_of_the_utf8_name():
    import zlib

    for account in ACCOUNTS:
        for n in (1, 2, 7, 4096):
            assert partition_of(account, n) == zlib.crc32(account.encode("utf-8")) % n
    # Combining and precomposed accents are two accounts, with their own bytes.
    assert zlib.crc32("e\u0301".encode()) != zlib.crc32("\u00e9".encode())


def test_replays_across_partitions_and_records_without_ids():
    with_ids = fleet(5, ACCOUNTS[:6])
    without = fleet(6, ACCOUNTS[6:], ids=False)
    # The first 7 records of each replayed, and an orphan stop: each replay is one
    # `duplicate` anomaly (with an id or known by its content), the stop an orphan.
    ghost = rk.Event("Ω", "ghost", "2026-03-05T00:00:00Z", kind="stop")
    records = [*with_ids, *without, *with_ids[:7], *without[:7], ghost]
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    kinds = collections.Counter(anomaly.kind for anomaly in one.anomalies)
    assert kinds == {"duplicate": 14, "orphan_stop": 1}
    assert lines_of(rk.bill(one)) == oracle([*with_ids, *without])
    for partitions in (1, 3, 9):
        shuffled = records[:]
        random.Random(partitions).shuffle(shuffled)
        bag = db.from_sequence(shuffled, npartitions=partitions)
        assert_same(rate_by_account(bag, PLAN, span=MARCH, meters=METERS), one)
        assert_same_bills(bill_by_account(bag, PLAN, span=MARCH, meters=METERS), one)


def test_inventories_reconciled_across_partitions():
    records = fleet(7)
    platform = rk.Inventory(  # lists 2 of the fleet's VMs and one that no record knows
        "2026-03-10T00:00:00Z",
        [("acme", "vm-1", {"flavor": "small"}), ("東京", "vm-2", {"flavor": "large"}),
         ("quiet", "vm-q", {"flavor": "small"})],
        id="platform-10",
    )  # fmt: skip
    scoped = rk.Inventory("2026-03-20T00:00:00Z", [("Ω", "vm-1", {"flavor": "large"})],
                          accounts=["Ω", "x/y"], close="last_seen", id="scoped-20")  # fmt: skip
    unnamed = rk.Inventory(
        "2026-03-25T00:00:00Z", [("globex", "vm-2", {"flavor": "small"})], accounts=["globex"]
    )
    later = rk.Inventory("2026-04-02T00:00:00Z", [], id="after-as-of")
    inventories = [platform, scoped, unnamed, platform, unnamed, later]
    one = rk.rate([*records, *inventories], PLAN, span=MARCH, meters=METERS)
    kinds = collections.Counter(anomaly.kind for anomaly in one.anomalies)
    assert kinds["duplicate"] == 2
    assert kinds["reconciled_open"] >= 1
    assert kinds["reconciled_close"] >= 1
    assert ("after-as-of", "not_yet") in one.no_effect
    # quiet's vm-q, listed from 03-10 00:00Z to the end of March in Zurich (03-31 22:00Z):
    # 21 days 22 hours = 526 h x 0.018 (after 15 March) and 5 days = 120 h x 0.020 before:
    # 2.40 + 7.308 -> 7.31; with the fee, 19.71.
    quiet = lines_of(rk.bill(one))["quiet"]
    assert quiet == {"small": Decimal("2.40"), "small15": Decimal("7.31"),
                     "support": Decimal("10.00"), "total": Decimal("19.71")}  # fmt: skip
    for partitions in (1, 3, 9):
        bag = db.from_sequence(records[::-1], npartitions=partitions)
        got = rate_by_account(bag, PLAN, span=MARCH, meters=METERS, inventories=inventories)
        assert_same(got, one)
        bills = bill_by_account(bag, PLAN, span=MARCH, meters=METERS, inventories=inventories)
        assert_same_bills(bills, one)
    # A generator of inventories is read once, as a list is.
    got = rate_by_account(db.from_sequence(records, npartitions=3), PLAN, span=MARCH, meters=METERS,
                          inventories=iter(inventories))  # fmt: skip
    assert_same(got, one)


PRO = rk.Plan(
    "pro",
    "EUR",
    MONTHLY,
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.015")),
     rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(500, "0"), rk.Tier(None, "0.02")]))],
    minimums=[rk.Minimum("50")],
)  # fmt: skip
WEEKLY = rk.Plan("weekly", "EUR", rk.cycles.weekly(tz="Europe/Zurich"),
                 [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.03")),
                  rk.PriceEntry("egress", "egress", rk.PerUnit("0.01"))],
                 fees=[rk.Fee("base", "1.00")])  # fmt: skip


def test_plans_by_assignment_accounts_on_different_plans():
    records = fleet(8)
    switch = "2026-03-16T12:00:00Z"
    assignments = [
        *(
            rk.Assignment(account, PLAN)
            for account in ACCOUNTS
            if account not in ("acme", "globex", "Ω")
        ),
        rk.Assignment("acme", PLAN, end=switch),
        rk.Assignment("acme", PRO, start=switch),
        rk.Assignment("globex", WEEKLY),
        rk.Assignment("Ω", PRO, start="2026-03-05T00:00:00Z"),  # unpriced before: anomalies
        rk.Assignment("idle", PRO),  # no records: a minimum of 50.00
    ]
    one = rk.rate(records, assignments, span=MARCH, meters=METERS)
    assert {anomaly.kind for anomaly in one.anomalies} <= {"unpriced"}
    # idle: no usage, a commitment of 50 over the whole cycle, topped up to 50.00.
    idle = next(
        invoice for invoice in rk.bill(one, tz="Europe/Zurich") if invoice.account == "idle"
    )
    assert idle.total == Decimal("50.00")
    for partitions in (1, 4, 15):
        bag = db.from_sequence(records, npartitions=partitions)
        got = rate_by_account(bag, assignments, span=MARCH, meters=METERS, tz="Europe/Zurich")
        assert_same(got, one, tz="Europe/Zurich")
        bills = bill_by_account(bag, assignments, span=MARCH, meters=METERS, tz="Europe/Zurich")
        assert_same_bills(bills, one, tz="Europe/Zurich")
    got = rate_by_account(db.from_sequence(records, npartitions=3), iter(assignments), span=MARCH,
                          meters=METERS, by_resource=True)  # fmt: skip
    assert got[0] == one
    assert got[1] == rk.bill(one, by_resource=True)


def test_listed_accounts_and_an_earlier_as_of():
    records = fleet(9, ACCOUNTS[:5])
    one = rk.rate(
        records,
        PLAN,
        span=MARCH,
        meters=METERS,
        accounts=["quiet", "acme"],
        as_of="2026-03-20T00:00:00Z",
    )
    quiet = [invoice for invoice in rk.bill(one) if invoice.account == "quiet"]
    # Its fee alone, accrued up to as_of: 02-28 23:00Z to 03-20 00:00Z is 457 of the
    # cycle's 743 hours, 10 x 457/743 = 6.1507..., 6.15.
    assert [invoice.total for invoice in quiet] == [Decimal("6.15")]
    bag = db.from_sequence(records, npartitions=4)
    got = rate_by_account(bag, PLAN, span=MARCH, meters=METERS, accounts=iter(["quiet", "acme"]),
                          as_of="2026-03-20T00:00:00Z")  # fmt: skip
    assert_same(got, one)


def test_the_callers_decimal_context_does_not_matter():
    records = fleet(10, ACCOUNTS[:6])
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    bag = db.from_sequence(records, npartitions=3)
    saved = decimal.DefaultContext.prec, decimal.DefaultContext.rounding
    decimal.DefaultContext.prec, decimal.DefaultContext.rounding = (
        3,
        decimal.ROUND_UP,
    )  # new threads' context
    try:
        with decimal.localcontext(decimal.Context(prec=2, rounding=decimal.ROUND_FLOOR,
                                                  traps=[decimal.Inexact, decimal.Rounded])):  # fmt: skip
            got = rate_by_account(bag, PLAN, span=MARCH, meters=METERS)
            bills = bill_by_account(bag, PLAN, span=MARCH, meters=METERS)
    finally:
        decimal.DefaultContext.prec, decimal.DefaultContext.rounding = saved
    assert_same(got, one)
    assert_same_bills(bills, one)


@st.composite
def messy_feeds(draw):
    """Events of any kind in any order, samples, replays, ids or none, odd names."""
    accounts = draw(st.lists(st.sampled_from(ACCOUNTS), min_size=1, max_size=5, unique=True))
    records = []
    for _ in range(draw(st.integers(1, 25))):
        account = draw(st.sampled_from(accounts))
        resource = draw(st.sampled_from(("vm-1", "vm-2")))
        hour = draw(st.integers(0, MARCH_HOURS + 5))
        named = draw(st.booleans())
        if draw(st.booleans()):
            kind = draw(st.sampled_from(("start", "stop", "update", "delete")))
            flavor = draw(st.sampled_from(("small", "large")))
            attributes = {"flavor": flavor} if kind in ("start", "update") else None
            rid = f"{account}/{resource}/{kind}/{flavor}/{hour}" if named else None
            records.append(rk.Event(account, resource, at(hour), attributes, kind=kind, id=rid))
        else:
            gb = draw(st.integers(0, 1500))
            rid = f"{account}/{resource}/{hour}/{gb}" if named else None
            records.append(rk.Sample(account, resource, "egress", at(hour), gb, id=rid))
    replays = draw(st.lists(st.sampled_from(records), max_size=4))
    return draw(st.permutations([*records, *replays]))


@pytest.mark.property
@settings(max_examples=20, deadline=None)
@given(records=messy_feeds(), partitions=st.integers(1, 9), cut=st.booleans())
def test_law_any_feed_any_grouping_is_one_process(records, partitions, cut):
    plan = rk.Plan(PLAN.id, "EUR", MONTHLY, PLAN.entries, fees=PLAN.fees, unpriced="anomaly")
    one = rk.rate(records, plan, span=MARCH, meters=METERS)
    with dask.config.set(scheduler="sync"):
        if cut:  # the input cut by account beforehand, then no shuffle
            parts: dict[int, list[rk.Event | rk.Sample]] = collections.defaultdict(list)
            for record in records:
                parts[partition_of(record.account, partitions)].append(record)
            bag = db.from_delayed([dask.delayed(list)(parts[n]) for n in range(partitions)])
        else:
            bag = db.from_sequence(records, npartitions=partitions)
        assert_same(rate_by_account(bag, plan, span=MARCH, meters=METERS, shuffle=not cut), one)
        assert_same_bills(
            bill_by_account(bag, plan, span=MARCH, meters=METERS, shuffle=not cut), one
        )
