"""`Rater.assign()`: a customer onboarded, or a plan changed, in a running rater.

A rater built from assignments takes more of them, each starting at or after its last
watermark; an account's open-ended assignment is ended where a later one starts (an
upgrade mid-month). What it states then is what one batch `rate()` with the whole set
charges; its snapshot restores with that set, not with the old one; anything refused
leaves the rater as it was.
"""

from __future__ import annotations

import inspect
import json
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import _fingerprints
from ratekit import _rater_kept_usage as _kept_usage

MONTHS = rk.cycles.monthly(tz="UTC")
HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
#: What acme states in March when it upgrades from basic to pro on 15 March: basic to
#: 15 March, fee 31 x 14/31 = 14 and 336 h x 0.10 = 33.60; pro after, fee 62 x 17/31 =
#: 34 and 408 h x 0.05 = 20.40 (per account, plan and kind: see `_stated()`).
UPGRADED = {
    "acme basic fee": Decimal(14),
    "acme basic usage": Decimal("33.60"),
    "acme pro fee": Decimal(34),
    "acme pro usage": Decimal("20.40"),
}


def _basic(proration: str = "seconds") -> rk.Plan:
    return rk.Plan(
        "basic",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        fees=[rk.Fee("base", 31)],
        proration=proration,  # type: ignore[arg-type]
    )


PRO = rk.Plan(
    "pro",
    "EUR",
    MONTHS,
    [rk.PriceEntry("vm-pro", "vm.hours", rk.PerUnit("0.05"))],
    fees=[rk.Fee("pro", 62)],
)


def _amounts(lines: tuple[rk.StatementLine, ...]) -> list[tuple[str, str, str, Decimal]]:
    return sorted((line.account, line.role, line.plan, line.amount) for line in lines)


def _batch(records: list[rk.Event], plans: tuple[rk.Assignment, ...]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for charge in rk.rate(records, plans, span=MARCH, meters=[HOURS]).charges:
        key = f"{charge.account} {charge.plan} {charge.kind}"
        totals[key] = totals.get(key, Decimal(0)) + charge.amount
    return totals


def _stated(statements: list[rk.Statement]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for statement in statements:
        for line in statement.lines:
            key = f"{line.account} {line.plan} {line.kind}"
            totals[key] = totals.get(key, Decimal(0)) + line.amount
    return {key: amount for key, amount in totals.items() if amount}


@pytest.mark.parametrize(
    ("proration", "fee"),
    [
        # 10 March 12:00 to 1 April: 21.5 days of 31; 31 EUR * 21.5 / 31 = 21.50.
        ("seconds", Decimal("21.50")),
        # by days, a day counts when its local midnight end lies in (10 March 12:00,
        # 1 April]: 11 March to 1 April, 22 of 31 (10 March whole); 31 * 22 / 31 = 22.00.
        ("days", Decimal("22.00")),
    ],
)
def test_a_customer_onboarded_on_10_march_owes_from_then(proration: str, fee: Decimal) -> None:
    basic = _basic(proration)
    rater = rk.Rater([rk.Assignment("zeta", basic)], [HOURS], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-09T00:00:00Z")
    start = rk.Event("acme", "vm-1", "2026-03-10T12:00:00Z", kind="start", id="e1")
    with pytest.raises(rk.UnpricedUsageError, match="no assignment of this rater names"):
        rater.feed([start])  # not assigned yet
    onboarded = rk.Assignment("acme", basic, start="2026-03-10T12:00:00Z")
    everyone = rater.assign(onboarded)
    assert everyone == (rk.Assignment("zeta", basic), onboarded)
    assert rater.feed([start]).accepted == ("e1",)
    statement = rater.statement("2026-04-01T00:00:00Z")
    # acme: its fee from 10 March 12:00 (above); 10 March 12:00 to 1 April is 21.5 days,
    # 516 hours * 0.10 = 51.60. zeta: 31 * 8/31 = 8.00 given at 9 March, 23.00 now.
    assert _amounts(statement.lines) == [
        ("acme", "charge", "basic", fee),
        ("acme", "charge", "basic", Decimal("51.60")),
        ("zeta", "increment", "basic", Decimal("23.00")),
    ]
    assert {i.account: i.total for i in statement.invoices} == {
        "acme": fee + Decimal("51.60"),
        "zeta": Decimal("31.00"),
    }


def test_an_upgrade_on_15_march_ends_the_old_plan_there() -> None:
    basic = _basic()
    before = (rk.Assignment("acme", basic, start="2026-03-01T00:00:00Z"),)
    rater = rk.Rater(before, [HOURS], start="2026-03-01T00:00:00Z")
    records = [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1")]
    rater.feed(records)
    first = rater.statement("2026-03-15T00:00:00Z")
    # 14 days of basic: fee 31 * 14/31 = 14.00, 336 hours * 0.10 = 33.60.
    assert _amounts(first.lines) == [
        ("acme", "charge", "basic", Decimal("14.00")),
        ("acme", "charge", "basic", Decimal("33.60")),
    ]
    upgrade = rk.Assignment("acme", PRO, start="2026-03-15T00:00:00Z")
    after = rater.assign(upgrade)
    assert after == (
        rk.Assignment("acme", basic, start="2026-03-01T00:00:00Z", end="2026-03-15T00:00:00Z"),
        upgrade,
    )
    saved = json.loads(json.dumps(rater.snapshot()))
    second = rater.statement("2026-04-01T00:00:00Z")
    # 17 days of pro: fee 62 * 17/31 = 34.00, 408 hours * 0.05 = 20.40; basic's lines
    # stand (it ended at the watermark it was stated to): no line of basic.
    assert _amounts(second.lines) == [
        ("acme", "charge", "pro", Decimal("20.40")),
        ("acme", "charge", "pro", Decimal("34.00")),
    ]
    # 14.00 + 33.60 + 34.00 + 20.40 = 102.00, as one batch rate() with the ended set.
    assert second.invoices[0].total == Decimal("102.00")
    assert _stated([first, second]) == _batch(records, after)
    # The snapshot restores with the whole set; with the set the rater was built from,
    # it is refused.
    again = rk.Rater.restore(saved, after, [HOURS])
    assert again.statement("2026-04-01T00:00:00Z").lines == second.lines
    with pytest.raises(rk.BadSnapshotError, match="taken under other plans or meters"):
        rk.Rater.restore(saved, before, [HOURS])


def test_an_upgrade_ahead_of_the_watermark_takes_the_records_fed_after_it() -> None:
    basic = _basic()
    rater = rk.Rater([rk.Assignment("acme", basic)], [HOURS], start="2026-03-01T00:00:00Z")
    records = [
        rk.Event("acme", "vm-1", "2026-03-05T00:00:00Z", kind="start", id="e1"),
        rk.Event("acme", "vm-1", "2026-03-25T00:00:00Z", kind="stop", id="e2"),
    ]
    rater.feed(records[:1])
    first = rater.statement("2026-03-10T00:00:00Z")
    after = rater.assign(rk.Assignment("acme", PRO, start="2026-03-20T00:00:00Z"))
    rater.feed(records[1:])
    restored = rk.Rater.restore(rater.snapshot(), after, [HOURS])
    second = restored.statement("2026-04-01T00:00:00Z")
    # basic: fee 31 * 19/31 = 19.00, 5 to 20 March 360 hours * 0.10 = 36.00; pro: fee
    # 62 * 12/31 = 24.00, 20 to 25 March 120 hours * 0.05 = 6.00.
    assert _stated([first, second]) == {
        "acme basic fee": Decimal("19.00"),
        "acme basic usage": Decimal("36.00"),
        "acme pro fee": Decimal("24.00"),
        "acme pro usage": Decimal("6.00"),
    }
    assert _stated([first, second]) == _batch(records, after)


def test_a_scheduled_change_assigned_when_it_takes_effect_prices_records_fed_before() -> None:
    # The host keeps acme's move to pro on 20 March in its own schedule (an assignment
    # cannot be taken back) and assigns it when the watermark reaches it, after the
    # records of both plans' spans were fed: the STOP of 25 March, fed on the first day,
    # is priced under pro all the same.
    basic = _basic()
    rater = rk.Rater([rk.Assignment("acme", basic)], [HOURS], start="2026-03-01T00:00:00Z")
    records = [
        rk.Event("acme", "vm-1", "2026-03-05T00:00:00Z", kind="start", id="e1"),
        rk.Event("acme", "vm-1", "2026-03-25T00:00:00Z", kind="stop", id="e2"),
    ]
    rater.feed(records)
    first = rater.statement("2026-03-10T00:00:00Z")
    second = rater.statement("2026-03-20T00:00:00Z")
    after = rater.assign(rk.Assignment("acme", PRO, start="2026-03-20T00:00:00Z"))
    third = rater.statement("2026-04-01T00:00:00Z")
    # basic: fee 31 * 19/31 = 19.00, 5 to 20 March 360 hours * 0.10 = 36.00; pro: fee
    # 62 * 12/31 = 24.00, 20 to 25 March 120 hours * 0.05 = 6.00.
    assert _stated([first, second, third]) == {
        "acme basic fee": Decimal("19.00"),
        "acme basic usage": Decimal("36.00"),
        "acme pro fee": Decimal("24.00"),
        "acme pro usage": Decimal("6.00"),
    }
    assert _stated([first, second, third]) == _batch(records, after)


def test_a_scheduled_change_is_not_taken_back_by_telling_the_old_plan_again() -> None:
    # pro is assigned ahead, from 1 April; basic told again open-ended is basic as
    # assign() ended it: a replay, not a withdrawal of pro (documented: assign a change a
    # customer may cancel when it takes effect).
    basic = _basic()
    held = rk.Assignment("acme", basic, start="2026-03-01T00:00:00Z")
    rater = rk.Rater([held], [HOURS], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-10T00:00:00Z")
    scheduled = rk.Assignment("acme", PRO, start="2026-04-01T00:00:00Z")
    whole = rater.assign(scheduled)
    ended = rk.Assignment("acme", basic, start="2026-03-01T00:00:00Z", end="2026-04-01T00:00:00Z")
    assert whole == (ended, scheduled)
    before = rater.snapshot()
    assert rater.assign(held) == whole
    assert rater.snapshot() == before


def _unchanged(rater: rk.Rater, call: object) -> None:
    before = rater.snapshot()
    assert callable(call)
    call()
    assert rater.snapshot() == before


def test_what_assign_refuses_leaves_the_rater_as_it_was() -> None:
    basic = _basic()
    plans = (
        rk.Assignment("acme", basic, end="2026-03-20T00:00:00Z"),
        rk.Assignment("zeta", basic),
    )
    rater = rk.Rater(plans, [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("zeta", "vm-9", "2026-03-28T00:00:00Z", kind="start", id="z1")])
    rater.statement("2026-03-10T00:00:00Z")

    def refused(error: type[Exception], match: str, *given: object) -> None:
        def call() -> None:
            with pytest.raises(error, match=match):
                rater.assign(*given)  # type: ignore[arg-type]

        _unchanged(rater, call)

    refused(
        rk.BadTimeError,
        r"starts at 2026-03-09T00:00:00Z, before the rater's last "
        r"watermark 2026-03-10T00:00:00Z.*Give it a start at or after",
        rk.Assignment("newco", basic, start="2026-03-09T00:00:00Z"),
    )
    refused(rk.BadTimeError, r"has no start", rk.Assignment("newco", basic))
    # acme's assignment has an end: the overlap is refused, as when built.
    refused(
        rk.BadPriceError,
        r"Rater.assign: with Assignment\('acme', 'pro', "
        r"start='2026-03-15T00:00:00Z'\).*one plan at a time",
        rk.Assignment("acme", PRO, start="2026-03-15T00:00:00Z"),
    )
    refused(
        rk.RatekitTypeError,
        r"Rater.assign takes Assignment values, each as an argument; argument 0 is "
        r"str: 'acme'; give rk.Assignment\(account, plan, start=...\) values",
        "acme",
    )
    refused(
        rk.CurrencyMismatchError,
        r"Rater.assign: with",
        rk.Assignment("acme", rk.Plan("chf", "CHF", MONTHS, []), start="2026-03-20T00:00:00Z"),
    )
    # zeta's start of 28 March would lie in the gap after a plan ending on 25 March.
    refused(
        rk.UnpricedUsageError,
        r"Rater.assign: with .*could not be rated.*'z1'.*where the account has no plan",
        rk.Assignment("zeta", PRO, start="2026-03-15T00:00:00Z", end="2026-03-25T00:00:00Z"),
    )
    # Nothing given: nothing changes.
    assert rater.assign() == plans


def test_a_rater_built_from_one_plan_refuses_assign() -> None:
    rater = rk.Rater(_basic(), [HOURS], start="2026-03-01T00:00:00Z")
    with pytest.raises(rk.RatekitTypeError, match=r"build it from rk\.Assignment"):
        rater.assign(rk.Assignment("acme", PRO, start="2026-03-15T00:00:00Z"))


YEARLY = rk.Plan(
    "yearly",
    "EUR",
    MONTHS,
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    allowances=[rk.Allowance("vm.hours", 1000, cycle=rk.cycles.yearly(tz="UTC"))],
)
JANUARY = [
    rk.Event("acme", "vm-1", "2026-01-01T00:00:00Z", kind="start", id="e1"),
    rk.Event("acme", "vm-1", "2026-02-01T00:00:00Z", kind="stop", id="e2"),
]


@pytest.mark.parametrize(
    ("built", "added"),
    [
        # Ended on 1 June, yearly's share of 2026 is 151/365: 1000 * 151/365 = 413.70 free
        # hours, and January's 744 hours would cost (744 - 413.70) * 0.10 = 33.03 in
        # batch, where the stream stated 0 (all 744 free of 1000), January compacted.
        (
            rk.Assignment("acme", YEARLY, start="2026-01-01T00:00:00Z"),
            rk.Assignment("acme", PRO, start="2026-06-01T00:00:00Z"),
        ),
        # Assigned January and February only, the share is 59/365: 161.64 free hours and
        # January stated (744 - 161.64) * 0.10 = 58.24; yearly again from 1 June would make
        # the share 273/365, 747.95 free: January free in batch, 58.24 stated.
        (
            rk.Assignment("acme", YEARLY, start="2026-01-01T00:00:00Z", end="2026-03-01T00:00:00Z"),
            rk.Assignment("acme", YEARLY, start="2026-06-01T00:00:00Z"),
        ),
    ],
)
def test_assign_refuses_to_change_the_share_of_an_allowance_period_stated(
    built: rk.Assignment, added: rk.Assignment
) -> None:
    rater = rk.Rater([built], [HOURS], start="2026-01-01T00:00:00Z")
    rater.feed(JANUARY)
    rater.statement("2026-04-01T00:00:00Z")
    before = rater.snapshot()
    with pytest.raises(
        rk.BadTimeError,
        match=r"share of plan 'yearly' in the period 2026-01-01T00:00:00Z\.\."
        r"2027-01-01T00:00:00Z of its allowance of 'vm.hours'.*Change the plan at that "
        r"period's start or end \(2027-01-01T00:00:00Z\)",
    ):
        rater.assign(added)
    assert rater.snapshot() == before


def test_an_allowance_period_not_stated_yet_may_change() -> None:
    # Ended on 1 June before any statement of 2026: January is rated with the share
    # 151/365 from the first, 413.70 free hours, (744 - 1000 * 151/365) * 0.10 = 33.03.
    rater = rk.Rater(
        [rk.Assignment("acme", YEARLY, start="2026-01-01T00:00:00Z")],
        [HOURS],
        start="2026-01-01T00:00:00Z",
    )
    after = rater.assign(rk.Assignment("acme", PRO, start="2026-06-01T00:00:00Z"))
    rater.feed(JANUARY)
    lines = rater.statement("2026-02-01T00:00:00Z").lines
    assert [line.amount.quantize(Decimal("0.01")) for line in lines] == [Decimal("33.03")]
    january = rk.Span("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
    batch = rk.rate(JANUARY, after, span=january, meters=[HOURS])
    assert [line.amount for line in lines] == [c.amount for c in batch.charges]


def test_assign_refuses_a_plan_that_cannot_price_a_running_resource() -> None:
    # vm-1 runs from 1 March; a plan with no entry for vm.hours from 15 March would leave
    # its 408 hours to 1 April unpriced, and every statement past 15 March would raise.
    empty = rk.Plan("empty", "EUR", MONTHS, [])
    rater = rk.Rater([rk.Assignment("acme", _basic())], [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1")])
    rater.statement("2026-03-10T00:00:00Z")
    before = rater.snapshot()
    with pytest.raises(
        rk.UnpricedUsageError,
        match=r"Rater.assign: with Assignment\('acme', 'empty', start='2026-03-15T00:00:00Z'\), "
        r"every statement would fail to price the usage of account 'acme'.*408 hour.*"
        r"Assign a plan that prices it",
    ):
        rater.assign(rk.Assignment("acme", empty, start="2026-03-15T00:00:00Z"))
    assert rater.snapshot() == before
    # 10 to 20 March, under basic still: fee 31 * 10/31 = 10, 240 hours * 0.10 = 24.00.
    assert [line.amount for line in rater.statement("2026-03-20T00:00:00Z").lines] == [
        Decimal(10),
        Decimal("24.00"),
    ]


def test_onboarding_thousands_of_customers_at_once_meters_none_of_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 3,000 new customers, none with a record yet, each onboarded on 6 March. Each owes
    # basic's fee from then: 31 x (1 day / 31 days) = 1 at 7 March, 3,000 in all. A new
    # customer has no usage for the door against unpriced usage to meter: adding n of them
    # took n meterings of every assignment (5,000 at once: 22 s of CPU; now about 1 s,
    # benchmarks/assign_bench.py). None is metered.
    metered: list[str] = []
    judge = _kept_usage.unpriced

    def spied(rater: object, account: str, **options: bool) -> object:
        metered.append(account)
        return judge(rater, account, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(_kept_usage, "unpriced", spied)
    basic = _basic()
    rater = rk.Rater([rk.Assignment("zeta", basic)], [HOURS], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-05T00:00:00Z")
    onboarded = [
        rk.Assignment(f"c{n:04}", basic, start="2026-03-06T00:00:00Z") for n in range(3000)
    ]
    assigned = rater.assign(*onboarded)
    assert metered == []
    assert len(assigned) == 3001
    lines = rater.statement("2026-03-07T00:00:00Z").lines
    fees = [line.amount for line in lines if line.account != "zeta"]
    assert len(fees) == 3000
    assert set(fees) == {Decimal(1)}
    assert sum(fees) == Decimal(3000)
    # zeta: 31 x 2/31 = 2 more (5 to 7 March)
    assert [line.amount for line in lines if line.account == "zeta"] == [Decimal(2)]


def test_assign_names_an_argument_that_is_no_assignment_and_what_it_takes() -> None:
    # assign() takes Assignment values as arguments; a list of them (as the constructor
    # takes), a generator or a Plan was told "must be one Plan, or an iterable of
    # Assignment values": what was given, for the first two, and a Plan for the third.
    basic = _basic()
    rater = rk.Rater([rk.Assignment("zeta", basic)], [HOURS], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-05T00:00:00Z")
    acme = rk.Assignment("acme", basic, start="2026-03-06T00:00:00Z")
    given: list[tuple[object, str]] = [
        ([acme], r"argument 1 is a list \(not read\): pass the Assignment values it holds "),
        ((a for a in [acme]), r"argument 1 is a generator .*rater.assign\(\*assignments\)"),
        ({acme}, r"argument 1 is a set "),
        (basic, r"argument 1 is a Plan \('basic'\), which names no account: .*rk.Assignment"),
        (None, r"argument 1 is NoneType: None; give rk.Assignment\(account, plan"),
        ("acme", r"argument 1 is str: 'acme'; give rk.Assignment"),
    ]
    for item, match in given:

        def call(item: object = item, match: str = match) -> None:
            with pytest.raises(
                rk.RatekitTypeError,
                match=r"^Rater.assign takes Assignment values, each as an argument; " + match,
            ):
                rater.assign(acme, item)  # type: ignore[arg-type]

        _unchanged(rater, call)
    # the values themselves, unpacked: taken. acme owes 31 x 1/31 = 1 to 7 March.
    assert rater.assign(*[acme]) == (rk.Assignment("zeta", basic), acme)
    lines = rater.statement("2026-03-07T00:00:00Z").lines
    assert [line.amount for line in lines if line.account == "acme"] == [Decimal(1)]


def test_a_snapshot_taken_before_an_assign_restores_with_the_set_before_and_assigns_again() -> None:
    # A host saves a snapshot on 10 March, tells the upgrade of 15 March on 12 March, and
    # crashes: the snapshot of 10 March was taken under the set before the upgrade. The
    # newer set is refused, and the refusal says which set to give and what to do next
    # (it said only "restore it with the plans and meters it was taken with").
    basic = _basic()
    built = (rk.Assignment("acme", basic),)
    records = [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1")]
    rater = rk.Rater(built, [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    first = rater.statement("2026-03-10T00:00:00Z")
    saved = json.loads(json.dumps(rater.snapshot()))
    rater.statement("2026-03-12T00:00:00Z")
    upgrade = rk.Assignment("acme", PRO, start="2026-03-15T00:00:00Z")
    newest = rater.assign(upgrade)
    with pytest.raises(
        rk.BadSnapshotError,
        match=r"taken under other plans or meters .*under assignments, the set the rater "
        r"held when the snapshot was taken: the one its last Rater.assign\(\) before the "
        r"snapshot returned, or else the set it was built with; then assign again",
    ):
        rk.Rater.restore(saved, newest, [HOURS])
    restored = rk.Rater.restore(saved, built, [HOURS])
    assert restored.assign(upgrade) == newest
    second = restored.statement("2026-04-01T00:00:00Z")
    # basic to 15 March: fee 31 x 14/31 = 14, 336 h x 0.10 = 33.60; pro after: fee
    # 62 x 17/31 = 34, 408 h x 0.05 = 20.40; 9.00 + 21.60 of basic stated on 10 March.
    assert _stated([first, second]) == UPGRADED
    assert _stated([first, second]) == _batch(records, newest)


class _Raising:
    """0.10 an hour up to 100 hours; a model of the caller's own that raises past them."""

    linear = False

    def amount(self, quantity: Decimal) -> Decimal:
        if quantity > 100:
            raise ValueError("no price past 100 hours")
        return quantity * Decimal("0.10")

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        amount = self.amount(quantity)
        return (rk.TierLine("up to 100", None, None, quantity, Decimal("0.10"), amount),)

    def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        return self.amount(quantity + added) - self.amount(quantity)


def test_assign_refuses_a_plan_whose_own_model_raises_on_a_running_resource() -> None:
    # acme's VM runs from 2 March; a plan whose model raises past 100 hours, from 4 March,
    # would take 672 hours of it in March: every statement after 8 March would fail. The
    # door rated only the meters a plan may leave unpriced, so assign() took it.
    basic = _basic()
    raising = rk.Plan("raising", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", _Raising())])
    rater = rk.Rater([rk.Assignment("acme", basic)], [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="start", id="e1")])
    rater.statement("2026-03-03T00:00:00Z")

    def call() -> None:
        with pytest.raises(
            rk.BadPriceError,
            match=r"^Rater.assign: with Assignment\('acme', 'raising', start='2026-03-04T00:00:00Z'"
            r"\), every statement would fail to price the usage of account 'acme' the rater "
            r"keeps: .*pricing 672 hour .*raised ValueError .*Assign a plan whose entries",
        ):
            rater.assign(rk.Assignment("acme", raising, start="2026-03-04T00:00:00Z"))

    _unchanged(rater, call)
    # basic stands: 3 to 10 March, 168 h x 0.10 = 16.80 and the fee 31 x 7/31 = 7.
    assert _amounts(rater.statement("2026-03-10T00:00:00Z").lines) == [
        ("acme", "increment", "basic", Decimal(7)),
        ("acme", "increment", "basic", Decimal("16.80")),
    ]
    # A new customer under it, with no usage yet, is taken; so is acme once its VM
    # stops within the 100 hours: 10 March 00:00 to 11 March 12:00 is 36 hours.
    rater.feed([rk.Event("acme", "vm-1", "2026-03-11T12:00:00Z", kind="stop", id="e2")])
    rater.assign(
        rk.Assignment("newco", raising, start="2026-03-10T00:00:00Z"),
        rk.Assignment("acme", raising, start="2026-03-10T00:00:00Z"),
    )
    lines = rater.statement("2026-03-12T00:00:00Z").lines
    # acme: 36 h x 0.10 = 3.60 under the model; basic ended at 10 March, where its fee
    # (31 x 9/31 = 9) and hours were stated to: no line of basic.
    assert [(line.plan, line.amount) for line in lines if line.account == "acme"] == [
        ("raising", Decimal("3.60"))
    ]


@pytest.mark.heavy
def test_a_plan_change_years_ahead_on_hourly_cycles_is_judged_over_bounded_cycles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A VM running from 00:10 on hourly cycles; a change to pro ten years ahead. The door
    # against usage the new plan cannot price meters to the change, and rated every one
    # of its 87,672 hourly cycles (7 s of CPU); it rates those within MAX_CYCLES
    # (10,000) of the kept cycles' start now: rows of at most 10,001 cycles.
    rated: list[int] = []
    engine_type = inspect.unwrap(rk.Rater.__init__).__globals__["_Engine"]
    rate_rows = engine_type.rate_rows

    def spied(self: object, rows: list[rk.UsageRow], *rest: object, **options: object) -> object:
        rated.append(len({row.cycle for row in rows}))
        return rate_rows(self, rows, *rest, **options)

    monkeypatch.setattr(engine_type, "rate_rows", spied)
    hourly = rk.cycles.hourly()
    basic = rk.Plan(
        "basic",
        "EUR",
        hourly,
        [rk.PriceEntry("vm", "vm.hours", rk.Graduated([rk.Tier(1, "0.1"), rk.Tier(None, "0.05")]))],
        fees=[rk.Fee("base", 1)],
        minimums=[rk.Minimum("0.2")],
    )
    pro = rk.Plan("pro", "EUR", hourly, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    rater = rk.Rater([rk.Assignment("acme", basic)], [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("acme", "vm-1", "2026-03-01T00:10:00Z", kind="start", id="e1")])
    rater.statement("2026-03-01T03:00:00Z")
    rater.assign(rk.Assignment("acme", pro, start="2036-03-01T00:00:00Z"))
    assert rated  # the door rated the VM's rows under the new set
    assert max(rated) <= 10_001
    monkeypatch.undo()
    # 03:00 to 05:00 under basic, each hour a cycle: its fee of 1, its hour at 0.1 (the
    # first tier) and the top-up of that usage to the minimum, 0.2 - 0.1 = 0.1 (fees do
    # not count toward a minimum).
    lines = rater.statement("2026-03-01T05:00:00Z").lines
    assert sorted((line.kind, line.amount) for line in lines) == [
        ("fee", Decimal(1)),
        ("fee", Decimal(1)),
        ("minimum", Decimal("0.1")),
        ("minimum", Decimal("0.1")),
        ("usage", Decimal("0.1")),
        ("usage", Decimal("0.1")),
    ]


def test_an_assignment_told_again_is_a_replay_that_changes_nothing() -> None:
    # A host replaying its log of plan changes after a restore tells acme's onboarding of
    # 3 March again, after the watermark passed it, with the upgrade of 20 March: the
    # first was refused (a start before the watermark; told twice in one call, "plans
    # 'basic' and 'basic' at once"), and the upgrade with it. Now what the rater holds is
    # a replay, as a record fed again is a duplicate, and only the upgrade is added.
    basic = _basic()
    rater = rk.Rater([rk.Assignment("zeta", basic)], [HOURS], start="2026-03-01T00:00:00Z")
    onboarded = rk.Assignment("acme", basic, start="2026-03-03T00:00:00Z")
    assert rater.assign(onboarded, onboarded) == (rk.Assignment("zeta", basic), onboarded)
    records = [rk.Event("acme", "vm-1", "2026-03-03T00:00:00Z", kind="start", id="e1")]
    rater.feed(records)
    first = rater.statement("2026-03-10T00:00:00Z")
    upgrade = rk.Assignment("acme", PRO, start="2026-03-20T00:00:00Z")
    before = rater.snapshot()
    assert rater.assign(onboarded) == (rk.Assignment("zeta", basic), onboarded)
    assert rater.snapshot() == before
    whole = rater.assign(onboarded, upgrade, upgrade)
    ended = rk.Assignment("acme", basic, start="2026-03-03T00:00:00Z", end="2026-03-20T00:00:00Z")
    assert whole == (rk.Assignment("zeta", basic), ended, upgrade)
    # The ended assignment told again, and the upgrade: replays too.
    assert rater.assign(ended, upgrade) == whole
    second = rater.statement("2026-04-01T00:00:00Z")
    # acme: basic 3 to 20 March, fee 31 x 17/31 = 17 and 408 h x 0.10 = 40.80; pro from
    # 20 March, fee 62 x 12/31 = 24 and 288 h x 0.05 = 14.40.
    stated = _stated([first, second])
    assert {key: value for key, value in stated.items() if key.startswith("acme")} == {
        "acme basic fee": Decimal(17),
        "acme basic usage": Decimal("40.80"),
        "acme pro fee": Decimal(24),
        "acme pro usage": Decimal("14.40"),
    }
    assert stated == _batch(records, whole)


@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_onboarding_one_customer_among_thousands_describes_the_plan_once_a_fingerprint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 5,000 customers on basic; one more onboarded on 6 March. Each call fingerprinted the
    # whole set four times (in assign() and in the restore it makes, two of those for
    # earlier versions' snapshots), describing basic again for every assignment (20,004
    # descriptions of its entry, 1.4 s of CPU a customer). Now each plan is described
    # once a fingerprint, and the earlier versions' only for a snapshot that needs them;
    # and the restore assign() makes finds the fingerprint of the same frozen assignments
    # kept: once (assign()'s; benchmarks/assign_bench.py measures the call).
    basic = _basic()
    customers = [
        rk.Assignment(f"c{n:04}", basic, start="2026-03-06T00:00:00Z") for n in range(5000)
    ]
    rater = rk.Rater(customers, [HOURS], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-05T00:00:00Z")
    described: list[object] = []
    describe = _fingerprints._describe

    def spied(value: object, *rest: object) -> object:
        if value is basic.entries[0]:  # described when basic is, not when its description is kept
            described.append(value)
        return describe(value, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(_fingerprints, "_describe", spied)
    assigned = rater.assign(rk.Assignment("newco", basic, start="2026-03-06T00:00:00Z"))
    monkeypatch.undo()
    assert len(described) == 1
    assert len(assigned) == 5001
    # newco, as each of the others: 31 x (1 day / 31 days) = 1 to 7 March.
    lines = rater.statement("2026-03-07T00:00:00Z").lines
    assert [line.amount for line in lines if line.account == "newco"] == [Decimal(1)]
    assert sum(line.amount for line in lines) == Decimal(5001)
    # Its snapshot restores with the set, in any order.
    rk.Rater.restore(rater.snapshot(), list(reversed(assigned)), [HOURS])


def test_a_whole_log_of_assignments_told_again_after_a_restore_changes_nothing() -> None:
    # The host's log holds acme's plan as it was told (open-ended, from 1 March) and the
    # upgrade of 15 March; the rater holds the first ended at 15 March. Restored from a
    # snapshot taken after the upgrade, the log told again was refused ("has no start":
    # the first, as told, is not what the rater holds); it is a replay of both now.
    basic = _basic()
    told = [
        rk.Assignment("acme", basic, start="2026-03-01T00:00:00Z"),
        rk.Assignment("acme", PRO, start="2026-03-15T00:00:00Z"),
    ]
    rater = rk.Rater(told[:1], [HOURS], start="2026-03-01T00:00:00Z")
    records = [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1")]
    rater.feed(records)
    first = rater.statement("2026-03-10T00:00:00Z")
    whole = rater.assign(told[1])
    restored = rk.Rater.restore(rater.snapshot(), whole, [HOURS])
    before = restored.snapshot()
    assert restored.assign(*told) == whole
    assert restored.snapshot() == before
    second = restored.statement("2026-04-01T00:00:00Z")
    # basic 1 to 15 March: fee 31 x 14/31 = 14, 336 h x 0.10 = 33.60; pro from 15 March:
    # fee 62 x 17/31 = 34, 408 h x 0.05 = 20.40.
    assert _stated([first, second]) == UPGRADED
    assert _stated([first, second]) == _batch(records, whole)
    # A bounded assignment given open-ended (its account, plan and start) is the same
    # assignment as it was told before an end was known, whether the next one's start or
    # the customer's leaving ended it: newco's plan to 20 April, told again open-ended
    # from 5 April, is a replay (it was refused as a second plan, "plans 'basic' and
    # 'basic' at once", so a log replayed after a customer left could not be told).
    newco = rk.Assignment("newco", basic, start="2026-04-05T00:00:00Z", end="2026-04-20T00:00:00Z")
    held = restored.assign(newco)
    before = restored.snapshot()
    assert restored.assign(rk.Assignment("newco", basic, start="2026-04-05T00:00:00Z")) == held
    assert restored.snapshot() == before


def test_a_customer_who_leaves_has_its_assignment_told_again_with_an_end() -> None:
    # acme on basic from 1 March, open-ended, a VM running all month. On 10 March the
    # host learns acme leaves on 20 March: it tells the same assignment with that end.
    # basic to 20 March: fee 31 x 19/31 = 19, 19 days x 24 h = 456 h x 0.10 = 45.60; the
    # VM's 288 h after are in no plan (not charged, as batch says), as one batch rate()
    # with the ended assignment.
    basic = _basic()
    held = rk.Assignment("acme", basic, start="2026-03-01T00:00:00Z")
    rater = rk.Rater([held], [HOURS], start="2026-03-01T00:00:00Z")
    records = [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1")]
    rater.feed(records)
    first = rater.statement("2026-03-10T00:00:00Z")
    leaving = rk.Assignment("acme", basic, start="2026-03-01T00:00:00Z", end="2026-03-20T00:00:00Z")
    assert rater.assign(leaving) == (leaving,)
    assert rater.assign(leaving) == (leaving,)  # told again: a replay
    second = rater.statement("2026-04-01T00:00:00Z")
    assert _stated([first, second]) == {
        "acme basic fee": Decimal(19),
        "acme basic usage": Decimal("45.60"),
    }
    assert _stated([first, second]) == _batch(records, (leaving,))
    # 20 March to 1 April: 12 days x 24 h = 288 h of vm-1, said as batch says it
    unpriced = [a.message for a in second.anomalies if a.kind == "unpriced"]
    batch = rk.rate(records, (leaving,), span=MARCH, meters=[HOURS]).anomalies
    assert unpriced == [a.message for a in batch if a.kind == "unpriced"]
    assert "(resource 'vm-1', 288 hour) over 2026-03-20T00:00:00Z..2026-04-01" in unpriced[0]
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), [leaving], [HOURS])
    assert restored.snapshot() == rater.snapshot()


def test_an_end_before_the_watermark_is_refused_and_changes_nothing() -> None:
    basic = _basic()
    held = rk.Assignment("acme", basic, start="2026-03-01T00:00:00Z")
    rater = rk.Rater([held], [HOURS], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-10T00:00:00Z")
    before = rater.snapshot()
    early = rk.Assignment("acme", basic, start="2026-03-01T00:00:00Z", end="2026-03-05T00:00:00Z")
    with pytest.raises(rk.BadTimeError) as caught:
        rater.assign(early)
    assert str(caught.value) == (
        "Rater.assign: Assignment('acme', 'basic', start='2026-03-01T00:00:00Z', "
        "end='2026-03-05T00:00:00Z') ends the rater's Assignment('acme', 'basic', "
        "start='2026-03-01T00:00:00Z') at 2026-03-05T00:00:00Z, before its last watermark "
        "2026-03-10T00:00:00Z: the statements up to it billed the plan. Give an end at or "
        "after 2026-03-10T00:00:00Z; to rate the past otherwise, rate its records in batch "
        "with rk.rate()."
    )
    assert rater.snapshot() == before


def test_leaving_inside_an_own_period_allowances_year_is_refused_at_its_end_taken() -> None:
    # 1,000 free hours a year, prorated by the plan's share of the year: ending the plan
    # on 1 June would shrink what 1 to 10 March were stated with; at the year's end it
    # changes nothing stated.
    yearly = rk.Plan(
        "y",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        allowances=[rk.Allowance("vm.hours", 1000, cycle=rk.cycles.yearly(tz="UTC"))],
    )
    held = rk.Assignment("acme", yearly, start="2026-03-01T00:00:00Z")
    rater = rk.Rater([held], [HOURS], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-10T00:00:00Z")
    june = rk.Assignment("acme", yearly, start="2026-03-01T00:00:00Z", end="2026-06-01T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match=r"ending at 2026-06-01T00:00:00Z, would change"):
        rater.assign(june)
    year_end = rk.Assignment(
        "acme", yearly, start="2026-03-01T00:00:00Z", end="2027-01-01T00:00:00Z"
    )
    assert rater.assign(year_end) == (year_end,)
