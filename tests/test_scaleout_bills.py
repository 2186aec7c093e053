"""``bill_by_account``: parts that send back their invoices and anomalies, not their charges.

Run without a scheduler over the stand-in bag of ``tests/test_scaleout_inventories.py``
(the whole of ``bill_by_account``: the parts, their wire form, the merge); the Dask
cluster case is in ``tests/test_scaleout.py``.
"""

from __future__ import annotations

import importlib.resources
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.test_scaleout_inventories import (
    HOURS,
    MARCH,
    ListBag,
    by_parts,
    fleets,
    one,
    plan,
    vm,
)

import ratekit as rk
from ratekit import _wire
from ratekit._shown import show
from ratekit.scaleout import bill_by_account, rate_by_account

Bills = tuple[tuple[rk.Invoice, ...], tuple[rk.Anomaly, ...], tuple[tuple[str, str], ...]]


def bills(
    groups: Sequence[Sequence[Any]],
    inventories: Sequence[rk.Inventory] = (),
    *,
    shuffle: bool = False,
    plans: Any = None,
    **options: Any,
) -> Bills:
    return bill_by_account(
        ListBag(groups),
        plan() if plans is None else plans,
        span=MARCH,
        meters=HOURS,
        inventories=inventories,
        shuffle=shuffle,
        **options,
    )


def assert_billed_alike(got: Bills, want: tuple[rk.Rating, tuple[rk.Invoice, ...]]) -> None:
    """One process's invoices (in order), anomalies and ``no_effect``; no charge came back."""
    invoices, anomalies, no_effect = got
    rating, expected = want
    assert invoices == expected
    assert [i.total for i in invoices] == [i.total for i in expected]
    assert [[line.amount for line in i.lines] for i in invoices] == [
        [line.amount for line in i.lines] for i in expected
    ]
    assert Counter(map(repr, anomalies)) == Counter(map(repr, rating.anomalies))
    assert no_effect == rating.no_effect
    assert all(line.charges == () for invoice in invoices for line in invoice.lines)


# -- examples worked by hand ------------------------------------------------------------------


def test_each_part_sends_back_its_invoices_equal_to_one_process() -> None:
    # acme's vm-1 from 1 Mar 00:00 to 3 Mar 00:00 (part 1), wayne's vm-2 from 2 Mar 00:00
    # never stopped (part 2), and a stop of a VM wayne never started (an orphan stop):
    #   acme  48 h x 0.10 = 4.80 + 5 support = 9.80
    #   wayne 30 d x 24 = 720 h x 0.10 = 72.00 + 5 = 77.00
    ghost = rk.Event("wayne", "wayne/ghost", "2026-03-04T00:00:00Z", kind="stop", id="g")
    acme = vm("acme", "vm-1", "01T00", "03T00")
    wayne = [*vm("wayne", "vm-2", "02T00"), ghost]
    want = one(acme + wayne, [])
    got = bills([wayne, acme], [])  # the parts in any order: the invoices by account
    assert_billed_alike(got, want)
    invoices, anomalies, no_effect = got
    assert [(i.account, i.total) for i in invoices] == [
        ("acme", Decimal("9.80")),
        ("wayne", Decimal("77.00")),
    ]
    assert [(line.label, line.quantity, line.amount) for line in invoices[0].lines] == [
        ("vm.hours · vm", Decimal(48), Decimal("4.80")),
        ("fee · support", Decimal(1), Decimal("5.00")),
    ]
    assert [(a.kind, a.record_ids) for a in anomalies] == [("orphan_stop", ("g",))]
    assert no_effect == () == want[0].no_effect  # the anomaly names "g"
    # shuffled by account, the same
    assert_billed_alike(bills([acme + wayne], shuffle=True, partitions=2), want)


def test_an_inventory_acting_in_one_part_only_is_not_reported_without_effect() -> None:
    # Unscoped, listing nothing, on 5 Mar: acme's vm-1 was deleted on 3 Mar (nothing to
    # close there: that part alone would say "confirmed"), wayne's vm-2 runs and is closed
    # on 5 Mar 00:00 (a reconciled_close and a row naming "inv-5"): no no_effect entry.
    #   acme  48 h x 0.10 = 4.80 + 5 = 9.80
    #   wayne 2 Mar 00:00 .. 5 Mar 00:00 = 72 h x 0.10 = 7.20 + 5 = 12.20
    acme = vm("acme", "vm-1", "01T00", "03T00", kind="delete")
    wayne = vm("wayne", "vm-2", "02T00")
    snapshot = rk.Inventory("2026-03-05T00:00:00Z", [], id="inv-5")
    got = bills([acme, wayne], [snapshot])
    assert_billed_alike(got, one(acme + wayne, [snapshot]))
    assert [i.total for i in got[0]] == [Decimal("9.80"), Decimal("12.20")]
    assert got[2] == ()
    # scoped to acme, agreeing with its timeline: it changed nothing, reported once
    scoped = rk.Inventory("2026-03-05T00:00:00Z", [], accounts=["acme"], id="inv-a")
    got = bills([acme, wayne], [scoped])
    assert_billed_alike(got, one(acme + wayne, [scoped]))
    assert got[2] == (("inv-a", "confirmed"),)


def test_a_record_id_named_in_one_part_and_not_yet_in_another_is_not_reported() -> None:
    # wayne's stop on 20 Mar reuses the id of acme's start; as_of 15 Mar: one process
    # knows only acme's (named by its usage row), so the id has an effect. Each part
    # reports what it did not name: wayne's part says "not_yet"; acme's sends no row,
    # yet holds the id and does not report it, so the merge knows it was named there.
    acme = vm("acme", "vm-1", "01T00")
    wayne = [*vm("wayne", "vm-2", "02T00"),
             rk.Event("wayne", "wayne/vm-2", "2026-03-20T00:00:00Z", kind="stop", id="acme-vm-1-start")]  # fmt: skip
    as_of = "2026-03-15T00:00:00Z"
    want = one(acme + wayne, [], as_of=as_of)
    got = bills([acme, wayne], as_of=as_of)
    assert_billed_alike(got, want)
    assert got[2] == () == want[0].no_effect
    # both stamped after as_of: one ("not_yet") entry, not one per part
    late = rk.Event("acme", "acme/vm-1", "2026-03-21T00:00:00Z", kind="stop", id="late")
    other = rk.Event("wayne", "wayne/vm-2", "2026-03-22T00:00:00Z", kind="stop", id="late")
    got = bills([[*acme, late], [*wayne[:1], other]], as_of=as_of)
    assert_billed_alike(got, one([*acme, late, *wayne[:1], other], [], as_of=as_of))
    assert got[2] == (("late", "not_yet"),)


def test_a_tiered_line_comes_back_with_its_amounts_but_without_its_charges() -> None:
    # 33 GB of egress on graduated tiers: 10 GB free, then 0.085 a GB:
    #   23 x 0.085 = 1.955 -> 1.96 (+ 5 support = 6.96)
    tiered = rk.Plan(
        "t",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.085")]))],
        fees=[rk.Fee("support", 5)],
    )
    records = [rk.Sample("acme", "acme/ip-1", "egress", "2026-03-05T00:00:00Z", 33)]
    rating = rk.rate(records, tiered, span=MARCH, meters=HOURS)
    want = rk.bill(rating)
    invoices, _, _ = bills([records], plans=tiered)
    assert invoices == want
    line = invoices[0].lines[0]
    assert (line.quantity, line.precise, line.amount, invoices[0].total) == (
        Decimal(33), Decimal("1.955"), Decimal("1.96"), Decimal("6.96")
    )  # fmt: skip
    assert (line.charges, line.tiers) == ((), ())
    assert len(want[0].lines[0].tiers) == 2  # one process's line explains its tiers


def test_exports_of_invoices_without_charges() -> None:
    # acme's vm-1 from 1 Mar 00:00 to 3 Mar 00:00: 48 h x 0.10 = 4.80, + 5 support = 9.80
    acme = vm("acme", "vm-1", "01T00", "03T00")
    _rating, want = one(acme, [])
    invoices, _, _ = bills([acme])
    assert invoices == want
    assert invoices[0].total == Decimal("9.80")
    # rows round-trip as they are (no charges to check the lines against), equal to
    # one process's invoices
    back = [rk.from_row(rk.Invoice, rk.to_row(invoice)) for invoice in invoices]
    assert back == list(want)
    assert back[0].lines[0].charges == ()
    # FOCUS rows are one per charge: refused, saying why and what to use; equal
    # invoices that kept their charges (rate_by_account's) give one process's rows
    with pytest.raises(rk.BadDataError) as error:
        rk.focus_rows(invoices, provider="Example Cloud")
    assert str(error.value) == (
        "invoices[0].lines[0] (account 'acme', usage vm.hours) has no charges, and "
        "focus_rows makes one FOCUS row per charge (its resource, period and tags): "
        "invoices from ratekit.scaleout.bill_by_account() leave their charges where they "
        "were rated. Use ratekit.scaleout.rate_by_account(), whose invoices keep their "
        "charges, and give focus_rows its invoices (or its rating)."
    )
    _, kept = rate_by_account(ListBag([acme]), plan(), span=MARCH, meters=HOURS, shuffle=False)
    rows = rk.focus_rows(kept, provider="Example Cloud")
    assert rows == rk.focus_rows(want, provider="Example Cloud")
    assert [(row["ResourceId"], row["BilledCost"]) for row in rows] == [
        ("acme/vm-1", "4.80"),
        (None, "5.00"),
    ]


# -- what is refused ----------------------------------------------------------------------------


def test_shares_are_refused_with_the_way_out() -> None:
    share = rk.Share("acme", "acme/vm-1", {"acme": 1, "wayne": 1})
    with pytest.raises(rk.RatekitError) as error:
        bills([vm("acme", "vm-1", "01T00")], shares=[share])
    assert type(error.value) is rk.RatekitError
    assert str(error.value) == (
        "bill_by_account cannot bill shares: a holder's part of a shared resource is "
        "billed from its owner's charges, which may be rated in another part, and "
        "bill_by_account leaves every part's charges where they were rated. Give the "
        "shares to ratekit.scaleout.rate_by_account(..., shares=[...]), which sends the "
        "charges back and bills them once here."
    )
    with pytest.raises(rk.RatekitTypeError, match="bill_by_account shares"):
        bills([], shares=["acme"])


def test_what_one_process_refuses_across_parts_is_refused_naming_bill_by_account() -> None:
    acme = vm("acme", "vm-1", "01T00", "03T00")
    with pytest.raises(rk.SplitAccountError) as split:
        bills([acme[:1], acme[1:]])
    assert str(split.value) == (
        "bill_by_account got the records of 1 account(s) in more than one part: ['acme']; "
        "each part would bill them apart (fees twice, tiers restarted). With "
        "shuffle=False every partition of the bag must hold whole accounts: use "
        "shuffle=True (the default), or cut the input by account "
        "(ratekit.scaleout.partition_of) before making the bag."
    )
    clash = rk.Event("wayne", "wayne/vm-2", "2026-03-02T00:00:00Z", id="acme-vm-1-start")
    with pytest.raises(rk.ConflictingRecordError) as conflict:
        bills([acme, [clash]])
    assert str(conflict.value) == (
        "two records share the id 'acme-vm-1-start' but differ: one of account 'acme' and "
        "one of account 'wayne' (rated in different parts); replaying a record must "
        "repeat it exactly, so give a corrected record a new id."
    )
    snapshot = rk.Inventory("2026-03-11T00:00:00Z", [], id="inv-11")
    with pytest.raises(rk.RatekitTypeError) as inventory:
        bills([[*acme, snapshot]])
    assert str(inventory.value) == (
        f"bill_by_account got an Inventory in the bag ({show(snapshot)}): an inventory "
        "speaks for many accounts, so it cannot travel with one account's records; give "
        "the inventories beside the bag, bill_by_account(bag, ..., inventories=[...]), and "
        "each part gets the copy exact for its accounts."
    )
    with pytest.raises(rk.RatekitTypeError) as element:
        bills([[("acme", "vm-1")]])
    assert str(element.value) == (
        "bill_by_account records must be Event or Sample values, not tuple: ('acme', "
        "'vm-1'); give build=, a function from each element of the bag to an Event or a "
        "Sample."
    )
    with pytest.raises(rk.RatekitTypeError) as span:
        bill_by_account(ListBag([]), plan(), span="2026-03")  # type: ignore[arg-type]
    assert str(span.value) == "bill_by_account span must be a Span, not str: '2026-03'."


def test_partitions_are_checked_naming_the_function() -> None:
    acme = vm("acme", "vm-1", "01T00", "03T00")
    for function in (bill_by_account, rate_by_account):
        name = function.__name__
        for partitions, shown in ((0, "0."), (10**6, "1000000.")):
            with pytest.raises(rk.RatekitTypeError) as error:
                function(ListBag([acme]), plan(), span=MARCH, meters=HOURS,
                         partitions=partitions)  # fmt: skip
            assert str(error.value) == (
                f"{name} partitions must be an int from 1 to 4,096 (ratekit.scaleout."
                "MAX_PARTITIONS: more parts than the workers' cores gain nothing), not " + shown
            )
        with pytest.raises(rk.RatekitTypeError) as error:
            function(ListBag([acme]), plan(), span=MARCH, meters=HOURS,
                     partitions=2.0)  # fmt: skip
        assert str(error.value) == (
            f"{name} partitions must be an int from 1 to 4,096, not float: 2.0."
        )
        # Without a shuffle the bag's partitions are the parts: a count is refused, not
        # ignored (a valid one too).
        for partitions in (2, 0, 2.0):
            with pytest.raises(rk.RatekitTypeError) as error:
                function(ListBag([acme]), plan(), span=MARCH, meters=HOURS, shuffle=False,
                         partitions=partitions)  # fmt: skip
            assert str(error.value) == (
                f"{name} partitions={partitions!r} with shuffle=False: without a shuffle the "
                "bag's own partitions are the parts; leave partitions out, or shuffle."
            )
    # acme alone on 2 parts: 48 h x 0.10 = 4.80 + 5 support = 9.80; without a shuffle, the
    # bag's one part
    invoices, _, _ = bills([acme], shuffle=True, partitions=2)
    assert [i.total for i in invoices] == [Decimal("9.80")]
    invoices, _, _ = bills([acme], shuffle=False)
    assert [i.total for i in invoices] == [Decimal("9.80")]


def test_arguments_rate_and_bill_would_refuse_are_refused_naming_bill_by_account() -> None:
    # Each part calls rate() and bill(); their words ("rate meters", "bill tz") would name
    # calls the caller never made. The arguments are checked here, under the caller's name.
    acme = vm("acme", "vm-1", "01T00", "03T00")
    with pytest.raises(rk.RatekitTypeError) as no_meters:
        bill_by_account(ListBag([acme]), plan(), span=MARCH)
    assert str(no_meters.value) == (
        "bill_by_account needs meters=[...] to meter its records, as ratekit.rate does; "
        f"got none for Event: {show(acme[0])}."
    )
    with pytest.raises(rk.RatekitTypeError) as meters:
        bill_by_account(ListBag([acme]), plan(), span=MARCH, meters="vm.hours")
    assert str(meters.value) == (
        "bill_by_account meters must be an iterable (a list or tuple), not str: 'vm.hours'."
    )
    with pytest.raises(rk.RatekitTypeError) as meter:
        bill_by_account(ListBag([acme]), plan(), span=MARCH, meters=[*HOURS, 1])
    assert str(meter.value) == "bill_by_account meters must be Meter values, not int: 1."
    with pytest.raises(rk.BadCalendarError) as zone:
        bills([acme], tz="Mars/Base")
    assert str(zone.value) == (
        "bill_by_account tz 'Mars/Base' is not a known IANA timezone name; give an IANA name such "
        "as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45'."
    )
    # A zone read from a file has no name bill keeps: refused at once, under this name,
    # as bill(tz=) refuses it (through the same door), not in each part.
    with importlib.resources.files("tzdata").joinpath("zoneinfo/Europe/Zurich").open("rb") as file:
        keyless = zoneinfo.ZoneInfo.from_file(file)
    with pytest.raises(rk.BadCalendarError) as unnamed:
        bills([acme], tz=keyless)
    shown = repr(keyless) if len(repr(keyless)) <= 80 else repr(keyless)[:60] + "..."
    assert str(unnamed.value) == (
        f"bill_by_account tz {shown} has no name ratekit can keep and read back (a ZoneInfo "
        "read from a file has no IANA key); give an IANA name such as 'Europe/Zurich', "
        "'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45' (as text, a "
        "zoneinfo.ZoneInfo of an IANA key or a datetime.timezone)."
    )
    with pytest.raises(rk.RatekitTypeError) as zone_type:
        bills([acme], tz=3)
    assert str(zone_type.value) == (
        "bill_by_account tz must be a timezone, not int: 3; give an IANA name such as "
        "'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45' "
        "(as text, a zoneinfo.ZoneInfo or a datetime.timezone)."
    )
    with pytest.raises(rk.UnpricedUsageError) as unassigned:
        bills([acme], plans=[rk.Assignment("acme", plan())], accounts=["acme", "zz"])
    assert str(unassigned.value) == (
        "bill_by_account accounts ['zz'] have no assignment: under assignments the plans "
        "cover the assigned accounts; assign them a plan with rk.Assignment(...)."
    )


def test_a_named_timezone_bills_as_one_process_and_rate_by_account_names_itself() -> None:
    acme = vm("acme", "vm-1", "01T00", "03T00")
    # The tz read once here is the one each part bills with.
    got = bills([acme], tz="Europe/Zurich")
    want = rk.bill(rk.rate(acme, plan(), span=MARCH, meters=HOURS), tz="Europe/Zurich")
    assert got[0] == want
    assert [invoice.tz for invoice in got[0]] == ["Europe/Zurich"]
    with pytest.raises(rk.RatekitTypeError) as zone_type:
        rate_by_account(ListBag([acme]), plan(), span=MARCH, meters=HOURS, tz=3)
    assert str(zone_type.value) == (
        "rate_by_account tz must be a timezone, not int: 3; give an IANA name such as "
        "'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45' "
        "(as text, a zoneinfo.ZoneInfo or a datetime.timezone)."
    )
    with pytest.raises(rk.RatekitTypeError) as no_meters:
        rate_by_account(ListBag([acme]), plan(), span=MARCH)
    assert str(no_meters.value).startswith("rate_by_account needs meters=[...]")


def test_a_part_result_that_cannot_be_read_is_named_after_the_caller() -> None:
    with pytest.raises(rk.BadDataError) as error:
        _wire.decode("ratekit", "bill_by_account")
    assert str(error.value) == (
        "bill_by_account part result: expected bytes from a part, got str; the part did "
        "not return ratekit's wire form."
    )


# -- the law: any grouping of the accounts gives one process's invoices -----------------------


@given(fleets(), st.booleans())
def test_any_partition_of_the_accounts_gives_one_process_invoices(
    fleet: tuple[list[Any], list[rk.Inventory], list[list[str]], dict[str, Any]], shuffle: bool
) -> None:
    records, inventories, groups, options = fleet
    parts = [[r for r in records if r.account in group] for group in groups]
    try:
        want: Any = one(records, inventories, **options)
    except rk.ConflictingRecordError as error:  # an id twice with other content
        want = error
    try:
        got: Any = bills(
            parts, inventories, shuffle=shuffle, partitions=2 if shuffle else None, **options
        )
    except rk.BadRecordError as error:
        got = error
    if type(got) is rk.BadRecordError:
        # refused exactly where rate_by_account refuses (two anonymous copies alike)
        with pytest.raises(rk.BadRecordError) as also:
            by_parts(
                parts, inventories, shuffle=shuffle, partitions=2 if shuffle else None, **options
            )
        assert str(also.value).replace("rate_by_account", "bill_by_account") == str(got)
        return
    if isinstance(want, Exception):
        assert type(got) is type(want)
        return
    assert not isinstance(got, Exception), got
    assert_billed_alike(got, want)
