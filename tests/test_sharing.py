"""Shared charges: explicit shares, parts that add up to the whole on the quantum."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("disk", "gb.hours", rk.PerUnit("0.01")),
        rk.PriceEntry("reads", "reads", rk.PerUnit("0.001")),
    ],
)


def row(account: str, resource: str, quantity: str, meter: str = "gb.hours") -> rk.UsageRow:
    unit = "GB*hour" if meter == "gb.hours" else "read"
    return rk.UsageRow(account, meter, resource, MARCH, MARCH, Decimal(quantity), unit, {}, ())


def bill(rows: list[rk.UsageRow], *shares: rk.Share) -> dict[str, rk.Invoice]:
    return {i.account: i for i in rk.bill(rk.rate(rows, PLAN, span=MARCH, shares=shares))}


def test_each_holder_pays_its_part_and_sees_what_it_is_part_of() -> None:
    rows = [row("acme", "image-1", "1000"), row("acme", "vm-disk", "100")]
    share = rk.Share("acme", "image-1", {"acme": 1, "beta": 1, "gamma": 1})
    invoices = bill(rows, share)
    # the whole: 1000 x 0.01 = 10.00; exact thirds 3.333..; floors 3.33 x 3 = 9.99, the one
    # quantum left goes to the first of the equal remainders (acme): 3.34, 3.33, 3.33
    parts = {a: [line for line in i.lines if line.kind == "shared"] for a, i in invoices.items()}
    assert [(a, p[0].amount, p[0].whole) for a, p in sorted(parts.items())] == [
        ("acme", Decimal("3.34"), Decimal("10.00")),
        ("beta", Decimal("3.33"), Decimal("10.00")),
        ("gamma", Decimal("3.33"), Decimal("10.00")),
    ]
    # acme keeps its own disk: 100 x 0.01 = 1.00, and pays 1.00 + 3.34
    assert invoices["acme"].total == Decimal("4.34")
    assert invoices["beta"].total == Decimal("3.33")
    line = parts["beta"][0]
    assert (line.owner, line.resource, line.share, line.shares) == ("acme", "image-1", 1, 3)
    assert str(invoices["beta"]).splitlines()[3:5] == [
        "  gb.hours · disk · image-1 (shared 1/3)  1000 GB*hour        0.01    3.33",
        "      part of 10.00, the whole charge of acme's image-1",
    ]


def test_the_owner_pays_only_when_listed_and_weights_need_not_add_to_one() -> None:
    rows = [row("acme", "image-1", "5")]
    # whole 5 x 0.01 = 0.05; beta 2/3 = 0.0333.., gamma 1/3 = 0.01666..; floors 0.03 + 0.01
    # = 0.04, the quantum left goes to the larger remainder (gamma 0.00666 > beta 0.00333)
    invoices = bill(rows, rk.Share("acme", "image-1", {"beta": "0.5", "gamma": "0.25"}))
    assert sorted(invoices) == ["beta", "gamma"]
    assert (invoices["beta"].total, invoices["gamma"].total) == (Decimal("0.03"), Decimal("0.02"))


def test_sharing_is_explicit_other_accounts_with_the_same_resource_id_are_untouched() -> None:
    rows = [row("acme", "image-1", "1000"), row("beta", "image-1", "300")]
    plain = bill(rows)
    shared = bill(rows, rk.Share("acme", "image-1", {"acme": 1, "beta": 1}))
    # beta's own image-1 (300 x 0.01 = 3.00) stays beta's alone; beta adds half of acme's 10.00
    assert plain["beta"].total == Decimal("3.00")
    assert shared["beta"].total == Decimal("8.00")
    assert [line.kind for line in shared["beta"].lines] == ["usage", "shared"]
    assert shared["acme"].total == Decimal("5.00")


def test_a_share_may_split_one_meter_only() -> None:
    rows = [row("acme", "image-1", "1000"), row("acme", "image-1", "3000", meter="reads")]
    invoices = bill(rows, rk.Share("acme", "image-1", {"beta": 1}, meter="reads"))
    # reads 3000 x 0.001 = 3.00 go to beta; the 10.00 of storage stays acme's
    assert (invoices["acme"].total, invoices["beta"].total) == (Decimal("10.00"), Decimal("3.00"))


def test_share_errors_say_what_is_wrong() -> None:
    with pytest.raises(
        rk.BadQuantityError, match=r"share of account 'beta' must be greater than 0"
    ):
        rk.Share("acme", "image-1", {"beta": 0})
    with pytest.raises(rk.BadQuantityError, match=r"at least one account"):
        rk.Share("acme", "image-1", {})
    with pytest.raises(rk.RatekitTypeError, match=r"mapping from account to share"):
        rk.Share("acme", "image-1", "beta")
    with pytest.raises(rk.RatekitTypeError, match=r"Share owner must be a non-empty string"):
        rk.Share("", "image-1", {"beta": 1})
    with pytest.raises(rk.BadQuantityError, match=r"names account 'beta' twice"):
        rk.Share("acme", "image-1", [("beta", 1), ("beta", 2)])
    overlapping = [
        rk.Share("acme", "image-1", {"beta": 1}),
        rk.Share("acme", "image-1", {"gamma": 1}, meter="reads"),
    ]
    with pytest.raises(rk.BadPriceError, match=r"two shares split the charges of account 'acme'"):
        rk.bill([], shares=overlapping)
    with pytest.raises(rk.RatekitTypeError, match=r"bill shares must be Share values, not str"):
        rk.bill([], shares=["image-1"])  # type: ignore[list-item]


def test_a_part_in_another_currency_than_the_holders_invoice_is_refused() -> None:
    usd = rk.Plan("usd", "USD", MONTHS, [rk.PriceEntry("disk", "gb.hours", rk.PerUnit("0.01"))])
    rows = [row("acme", "image-1", "1000"), row("beta", "vm-disk", "10")]
    assigned = [rk.Assignment("acme", PLAN), rk.Assignment("beta", usd)]
    shares = [rk.Share("acme", "image-1", {"beta": 1})]
    rating = rk.rate(rows, assigned, span=MARCH, shares=shares)
    with pytest.raises(rk.CurrencyMismatchError, match=r"invoice of account 'beta'.*mixes USD"):
        rk.bill(rating)


HOLDERS = ["acme", "beta", "gamma", "delta", "eps", "zeta", "eta"]


@given(
    st.lists(st.decimals("0.001", "1000", places=3), min_size=1, max_size=len(HOLDERS)),
    st.decimals("0", "100000", places=3),
    st.sampled_from(["0.01", "1", "0.001"]),
)
def test_parts_add_up_to_the_whole_and_stay_within_a_quantum_of_their_share(
    weights, quantity, quantum
) -> None:  # type: ignore[no-untyped-def]
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("disk", "gb.hours", rk.PerUnit("0.0137"))],
        quantum=quantum,
    )
    rows = [row("acme", "image-1", str(quantity))]
    share = rk.Share("acme", "image-1", dict(zip(HOLDERS, weights, strict=False)))
    invoices = rk.bill(rk.rate(rows, plan, span=MARCH, shares=[share]))
    assert invoices == rk.bill(rk.rate(rows, plan, span=MARCH, shares=[share]))  # deterministic
    parts = {i.account: i.lines[0] for i in invoices}
    # the whole is the owner's exact charge rounded once: quantity x 0.0137 on the quantum
    exact_whole = Fraction(quantity) * Fraction("0.0137")
    whole = next(iter(parts.values())).whole
    assert whole is not None
    assert abs(Fraction(whole) - exact_whole) <= Fraction(quantum) / 2
    assert sum((line.amount for line in parts.values()), Decimal(0)) == whole
    total = sum((Fraction(w) for w in weights), Fraction(0))
    for account, weight in zip(HOLDERS, weights, strict=False):
        exact = Fraction(whole) * Fraction(weight) / total
        assert abs(Fraction(parts[account].amount) - exact) < Fraction(quantum)
        assert Fraction(parts[account].amount) % Fraction(quantum) == 0


@settings(max_examples=LAWS * 5 // 2)
@given(
    st.lists(
        st.builds(Fraction, st.integers(0, 10**8), st.integers(1, 1000)), min_size=1, max_size=8
    ),
    st.sampled_from(["0.01", "1", "0.001", "0.05"]),
)
def test_allocation_of_exact_parts_adds_up_and_stays_within_a_quantum(parts, quantum) -> None:  # type: ignore[no-untyped-def]
    from ratekit._allocation import allocate

    q = Fraction(quantum)
    exact_sum = sum(parts, Fraction(0))
    # any rounding of the sum to the quantum: the floor and the ceiling
    floor = (exact_sum // q) * q
    for whole in {floor, floor if floor == exact_sum else floor + q}:
        amounts = allocate(Decimal(int(whole / q)) * Decimal(quantum), parts, Decimal(quantum))
        assert sum((Fraction(a) for a in amounts), Fraction(0)) == whole
        for amount, part in zip(amounts, parts, strict=True):
            assert abs(Fraction(amount) - part) < q
            assert Fraction(amount) % q == 0


APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")


def test_holders_may_change_at_cycle_boundaries() -> None:
    rows = [
        row("acme", "image-1", "1000"),
        rk.UsageRow("acme", "gb.hours", "image-1", APRIL, APRIL, Decimal(600), "GB*hour", {}, ()),
    ]
    shares = [
        rk.Share("acme", "image-1", {"beta": 1}, end=APRIL.start),
        rk.Share("acme", "image-1", {"beta": 1, "gamma": 1}, start=APRIL.start),
    ]
    invoices = rk.bill(rk.rate(rows, PLAN, span=rk.Span(MARCH.start, APRIL.end), shares=shares))
    # March: beta alone pays 1000 x 0.01 = 10.00; April: 600 x 0.01 = 6.00 split 3.00 + 3.00
    assert [(i.account, i.cycle.start, i.total) for i in invoices] == [
        ("beta", MARCH.start, Decimal("10.00")),
        ("beta", APRIL.start, Decimal("3.00")),
        ("gamma", APRIL.start, Decimal("3.00")),
    ]


def test_a_charge_across_a_shares_bound_is_refused_and_shares_may_not_overlap() -> None:
    mid = rk.Share("acme", "image-1", {"beta": 1}, start="2026-03-15T00:00:00Z")
    rows = [row("acme", "image-1", "1000")]
    with pytest.raises(
        rk.BadPriceError,
        match=r"the share of resource 'image-1' of account 'acme' runs from 2026-03-15T00:00:00Z "
        r"on, but a charge of meter 'gb.hours' spans 2026-03-01T00:00:00Z\.\.2026-04-01T00:00:00Z",
    ):
        rk.bill(rk.rate(rows, PLAN, span=MARCH, shares=[mid]))
    until = rk.Share("acme", "image-1", {"beta": 1}, end="2026-03-15T00:00:00Z")
    with pytest.raises(rk.BadPriceError, match=r"runs until 2026-03-15T00:00:00Z, but"):
        rk.bill(rk.rate(rows, PLAN, span=MARCH, shares=[until]))
    inside = rk.Share("acme", "image-1", {"beta": 1}, start="2026-03-10T00:00:00Z", end=APRIL.end)
    with pytest.raises(
        rk.BadPriceError, match=r"runs over 2026-03-10T00:00:00Z\.\.2026-05-01T00:00:00Z, but"
    ):
        rk.bill(rk.rate(rows, PLAN, span=MARCH, shares=[inside]))
    overlapping = [
        rk.Share("acme", "image-1", {"beta": 1}, end="2026-04-02T00:00:00Z"),
        rk.Share("acme", "image-1", {"gamma": 1}, start=APRIL.start),
    ]
    with pytest.raises(rk.BadPriceError, match=r"at the same time"):
        rk.rate(rows, PLAN, span=MARCH, shares=overlapping)  # refused when rating already
    with pytest.raises(rk.BadPriceError, match=r"at the same time"):
        rk.bill(rk.Rating((), (), shares=overlapping))  # and when billing a rating made by hand
    with pytest.raises(rk.BadTimeError, match=r"ends at 2026-03-01T00:00:00Z, not after its start"):
        rk.Share("acme", "image-1", {"beta": 1}, start=MARCH.start, end=MARCH.start)
    assert repr(mid) == ("Share('acme', 'image-1', {'beta': 1}, start='2026-03-15T00:00:00Z')")


def test_a_part_of_decimal_thirds_prints_as_a_percentage_not_a_28_digit_fraction() -> None:
    # Decimal(1) / 3 and Decimal(2) / 3 in Python's default context; they add up to 1.
    # The whole 10.00; acme 3.333..., beta 6.666...; floors 3.33 + 6.66 = 9.99; the cent left
    # goes to the larger remainder (beta .6667 quantum > acme .3333): 3.33 and 6.67.
    third, two_thirds = "0.3333333333333333333333333333", "0.6666666666666666666666666667"
    invoices = bill(
        [row("acme", "image-1", "1000")],
        rk.Share("acme", "image-1", {"acme": third, "beta": two_thirds}),
    )
    assert [(i.total, i.lines[0].label) for i in invoices.values()] == [
        (Decimal("3.33"), "gb.hours · disk · image-1 (shared ~33.33%)"),
        (Decimal("6.67"), "gb.hours · disk · image-1 (shared ~66.67%)"),
    ]
    # 1 of 1 + 999 = 1/1000 exactly: a percentage without the ~; 1/7 stays a fraction
    # whole 10.00: acme 0.01, beta 9.99
    thin = bill(
        [row("acme", "image-1", "1000")], rk.Share("acme", "image-1", {"acme": 1, "beta": 999})
    )
    assert thin["acme"].lines[0].label == "gb.hours · disk · image-1 (shared 0.1%)"
    assert (thin["acme"].total, thin["beta"].total) == (Decimal("0.01"), Decimal("9.99"))
    sevenths = {f"a{i}": 1 for i in range(7)}
    # 10.00 / 7 = 1.428571..; floors 1.42 x 7 = 9.94; six cents left, to a0..a5 (equal
    # remainders, ties to the earlier account): 1.43 x 6 + 1.42 = 10.00
    parts = bill([row("acme", "image-1", "1000")], rk.Share("acme", "image-1", sevenths))
    assert [i.total for i in parts.values()] == [Decimal("1.43")] * 6 + [Decimal("1.42")]
    assert parts["a0"].lines[0].label.endswith("(shared 1/7)")


def test_shares_spanning_more_than_50_digits_are_refused() -> None:
    # their sum would no longer be exact in ratekit's 60 digits: 10^70 + 1 + 1 rounded to
    # 10^70 printed acme's part as "1/1" while beta and gamma were part of it too
    # 1E+70 is beyond the one door for numbers (1E+30), which refuses it by name first
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^Share share of account 'acme' Decimal\('1E\+70'\) lies outside the numbers "
        r"ratekit represents exactly: give at most 60 significant digits and, unless zero, a "
        r"magnitude from 1E-30 up to but excluding 1E\+30\.$",
    ):
        rk.Share("acme", "image-1", {"acme": Decimal("1E+70"), "beta": 1, "gamma": 1})
    # within the door's range, shares' own stricter 50-digit span keeps their sum exact
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^Share shares span 55 digits from the largest place to the smallest \('acme': "
        r"1E\+29, 'beta': 1, 'gamma': 1E-25\); shares are relative, so write them within 50 "
        r"digits \(1, 1, 1 for thirds\)\.$",
    ):
        rk.Share(
            "acme", "image-1", {"acme": Decimal("1E+29"), "beta": 1, "gamma": Decimal("1E-25")}
        )
    with pytest.raises(rk.BadQuantityError, match=r"span 56 digits"):
        rk.Share("acme", "image-1", {"acme": "1E+25", "beta": Decimal("1E-30")})
    # trailing zeros do not count: 1.000...0 (60 zeros) and 100 span 3 digits
    share = rk.Share("acme", "image-1", {"acme": "1." + "0" * 60, "beta": 100})
    assert share.part("acme") == Fraction(1, 101)


def test_bill_refuses_a_single_share_and_share_reprs_are_plain() -> None:
    share = rk.Share("acme", "image-1", {"beta": Decimal("1E-5"), "acme": Decimal("2E+3")})
    assert repr(share) == "Share('acme', 'image-1', {'acme': 2000, 'beta': 0.00001})"
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^bill shares must be a list of Share values \(\[\] for none\), not Share: "
        r"Share\('acme', 'image-1', .*\); wrap a single Share in a list\.$",
    ):
        rk.bill([], shares=share)  # type: ignore[arg-type]
    # shares=None is no longer refused: it is the default, the rating's own shares
    with pytest.raises(rk.RatekitTypeError, match=r"bill credits must be a list .* not NoneType"):
        rk.bill([], credits=None)  # type: ignore[arg-type]


def test_a_share_of_a_resource_without_charges_changes_nothing() -> None:
    # the documented choice: a share names no charge in a cycle where its resource was
    # not used (or under an id no record uses), so it splits nothing and bills no holder
    rows = [row("acme", "image-1", "1000")]
    assert bill(rows, rk.Share("acme", "image-2", {"beta": 1})) == bill(rows)
    assert bill(rows, rk.Share("zed", "image-1", {"beta": 1})) == bill(rows)


def test_a_share_meter_is_a_name_and_pairs_may_be_lists() -> None:
    # meter=3 used to be kept, matched no charge and silently split nothing
    with pytest.raises(
        rk.RatekitTypeError, match=r"^Share meter must be a non-empty string, not 3\.$"
    ):
        rk.Share("acme", "image-1", {"beta": 1}, meter=3)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"Share meter must be a non-empty string"):
        rk.Share("acme", "image-1", {"beta": 1}, meter="")
    # pairs read from JSON are lists: [["beta", 2], ["gamma", 1]] is {"beta": 2, "gamma": 1}
    from_json = rk.Share("acme", "image-1", [["beta", 2], ["gamma", 1]])
    assert from_json == rk.Share("acme", "image-1", {"beta": 2, "gamma": 1})
    with pytest.raises(rk.RatekitTypeError, match=r"must be \(account, share\) pairs, not \['b'\]"):
        rk.Share("acme", "image-1", [["b"]])


def test_the_sum_of_the_shares_is_taken_once_per_pool_not_once_per_holder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the sum was taken for every holder's line: 5,000 holders over six months took a
    # minute (25 million additions a month); now once per cycle, meter and entry
    calls = 0
    total = rk.Share.total

    def counted(share: rk.Share) -> Decimal:
        nonlocal calls
        calls += 1
        return total.fget(share)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(rk.Share, "total", property(counted))
    holders = {f"user-{i:03}": 1 for i in range(300)}
    invoices = bill([row("acme", "image-1", "1000")], rk.Share("acme", "image-1", holders))
    assert calls == 1
    # 10.00 / 300 = 0.0333..; floors 0.03 x 300 = 9.00; the 100 cents left go to the first
    # 100 holders (equal remainders): 100 x 0.04 + 200 x 0.03 = 10.00
    assert [invoices[f"user-{i:03}"].total for i in (0, 99, 100, 299)] == [
        Decimal("0.04"),
        Decimal("0.04"),
        Decimal("0.03"),
        Decimal("0.03"),
    ]


def test_an_owners_minimum_counts_only_its_own_part_of_a_shared_charge():
    # acme commits to 20 EUR a month. Its vm: 100 h x 0.05 = 5.00; its image-1:
    # 1000 GB*h x 0.01 = 10.00, shared acme 1, beta 1, gamma 2: acme pays 10 x 1/4 = 2.50.
    # What acme pays towards the minimum: 5.00 + 2.50 = 7.50, top-up 20 - 7.50 = 12.50;
    # acme's invoice: 5.00 + 12.50 + 2.50 = 20.00, its commitment exactly.
    # (The whole 10.00 used to count: 20 - 15.00 = 5.00, and acme paid 12.50.)
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("disk", "gb.hours", rk.PerUnit("0.01")),
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05")),
        ],
        minimums=[rk.Minimum(20)],
    )
    rows = [
        row("acme", "image-1", "1000"),
        rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, Decimal(100), "hour", {}, ()),
    ]
    shares = [rk.Share("acme", "image-1", {"acme": 1, "beta": 1, "gamma": 2})]
    rating = rk.rate(rows, plan, span=MARCH, shares=shares)
    [minimum] = [c for c in rating.charges if c.kind == "minimum"]
    assert minimum.amount == Decimal("12.50")
    invoices = {i.account: i for i in rk.bill(rating, shares=shares)}
    assert invoices["acme"].total == Decimal("20.00")
    [line] = [line for line in invoices["acme"].lines if line.kind == "minimum"]
    assert (line.commitment, line.spent, line.amount) == (20, Decimal("7.50"), Decimal("12.50"))
    # the holders' parts (beta 2.50, gamma 5.00) do not count towards their minimums:
    # each is an assigned account of the plan only through acme's resource here
    assert invoices["beta"].total == Decimal("2.50")
    assert invoices["gamma"].total == Decimal("5.00")
    # an owner that holds no part of its resource counts nothing of it: 20 - 5.00 = 15.00
    away = [rk.Share("acme", "image-1", {"beta": 1})]
    rating = rk.rate(rows, plan, span=MARCH, shares=away)
    assert [c.amount for c in rating.charges if c.kind == "minimum"] == [Decimal("15.00")]
    # without shares, the owner pays the whole charge and it all counts: 20 - 15.00 = 5.00
    rating = rk.rate(rows, plan, span=MARCH)
    assert [c.amount for c in rating.charges if c.kind == "minimum"] == [Decimal("5.00")]


def test_rate_refuses_shares_that_are_not_shares():
    with pytest.raises(
        rk.RatekitTypeError, match=r"^rate shares must be Share values, not str: 'x'\.$"
    ):
        rk.rate([], PLAN, span=MARCH, shares=["x"])  # type: ignore[list-item]
    with pytest.raises(rk.RatekitTypeError, match=r"wrap a single Share in a list\.$"):
        rk.rate([], PLAN, span=MARCH, shares=rk.Share("a", "r", {"a": 1}))  # type: ignore[arg-type]


def _minimum_case() -> tuple[rk.Plan, list[rk.UsageRow], rk.Share]:
    """acme: 20 EUR minimum, vm 100 h x 0.05 = 5.00, image-1 1000 GB*h x 0.01 = 10.00."""
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("disk", "gb.hours", rk.PerUnit("0.01")),
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05")),
        ],
        minimums=[rk.Minimum(20)],
    )
    rows = [
        row("acme", "image-1", "1000"),
        rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, Decimal(100), "hour", {}, ()),
    ]
    return plan, rows, rk.Share("acme", "image-1", {"acme": 1, "beta": 1, "gamma": 2})


def test_bill_splits_a_rating_by_the_shares_it_was_rated_with() -> None:
    # acme holds 1 of 4 shares of the 10.00 image: 2.50; its minimum counts 5.00 + 2.50 =
    # 7.50, top-up 20 - 7.50 = 12.50; acme pays 5.00 + 12.50 + 2.50 = 20.00, beta 10 x
    # 1/4 = 2.50, gamma 10 x 2/4 = 5.00: 27.50 in all, the 10.00 image split once.
    plan, rows, share = _minimum_case()
    rating = rk.rate(rows, plan, span=MARCH, shares=(s for s in [share]))  # read once
    assert rating.shares == (share,)
    assert repr(rating) == "Rating(3 charges, 0 anomalies, 1 share)"
    invoices = {i.account: i.total for i in rk.bill(rating)}
    assert invoices == {
        "acme": Decimal("20.00"),
        "beta": Decimal("2.50"),
        "gamma": Decimal("5.00"),
    }
    # the same shares again (in any order) are accepted and change nothing
    assert rk.bill(rating, shares=[share]) == rk.bill(rating)
    other = rk.Share("acme", "vm-1", {"acme": 1, "beta": 1})
    both = rk.rate(rows, plan, span=MARCH, shares=[share, other])
    assert rk.bill(both, shares=[other, share]) == rk.bill(both)
    # a rating made by hand bills by its own shares too; its door checks them
    by_hand = rk.Rating(rating.charges, rating.anomalies, rating.rows, shares=[share])
    assert by_hand == rating
    assert rk.bill(by_hand) == rk.bill(rating)
    assert rk.Rating((), ()).shares == ()
    with pytest.raises(rk.RatekitTypeError, match=r"^Rating shares must be Share values, not str"):
        rk.Rating((), (), shares=["image-1"])  # type: ignore[list-item]
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^Rating shares must be a list of Share values \(\[\] for none\), not Share: "
        r"Share\('acme', .*\); wrap a single Share in a list\.$",
    ):
        rk.Rating((), (), shares=share)  # type: ignore[arg-type]


def test_bill_refuses_other_shares_than_the_ratings() -> None:
    # Rated with acme 1, beta 1, gamma 2, the minimum counted acme's 2.50 (top-up 12.50);
    # split by acme 1, beta 1 instead, acme would pay 5.00 + 12.50 + 5.00 = 22.50, above
    # its 20 commitment: refused, naming both sets.
    plan, rows, share = _minimum_case()
    rating = rk.rate(rows, plan, span=MARCH, shares=[share])
    halves = rk.Share("acme", "image-1", {"acme": 1, "beta": 1})
    with pytest.raises(
        rk.ShareMismatchError,
        match=re.escape(
            "bill was given shares=[Share('acme', 'image-1', {'acme': 1, 'beta': 1})] for a "
            "rating rated with shares=[Share('acme', 'image-1', {'acme': 1, 'beta': 1, "
            "'gamma': 2})]; an owner's minimum commitment counts only its own part of a "
            "shared charge, so charges must be split by the shares they were rated with: "
            "bill the rating without shares= (it is split by the shares it was rated with), "
            "or rate again with rk.rate(..., shares=[...]) and the shares to split by."
        ),
    ):
        rk.bill(rating, shares=[halves])
    with pytest.raises(rk.ShareMismatchError, match=r"^bill was given shares=\[\] for a rating"):
        rk.bill(rating, shares=[])  # no split either: the minimum counted acme's part only
    with pytest.raises(rk.ShareMismatchError, match=r"^bill was given shares=\[Share"):
        rk.bill(rating, shares=[share, rk.Share("acme", "vm-1", {"beta": 1})])  # one more
    assert isinstance(rk.ShareMismatchError("x"), ValueError)


def test_bill_refuses_shares_for_a_rating_rated_without_any() -> None:
    # Rated without shares, acme's minimum counted the whole 10.00 image: 5.00 + 10.00 =
    # 15.00, top-up 5.00. Split by the share, acme would pay 5.00 + 5.00 + 2.50 = 12.50,
    # below its 20 commitment: refused, saying to give the shares to rate().
    plan, rows, share = _minimum_case()
    rating = rk.rate(rows, plan, span=MARCH)
    assert rating.shares == ()
    assert [c.amount for c in rating.charges if c.kind == "minimum"] == [Decimal("5.00")]
    with pytest.raises(
        rk.ShareMismatchError,
        match=re.escape(
            "bill was given shares=[Share('acme', 'image-1', {'acme': 1, 'beta': 1, "
            "'gamma': 2})] for a rating rated without shares; an owner's minimum commitment "
            "counts only its own part of a shared charge, so charges must be split by the "
            "shares they were rated with: give them to rate instead, "
            "rk.rate(..., shares=[...]), and bill the rating without shares= (it is split "
            "by the shares it was rated with)."
        ),
    ):
        rk.bill(rating, shares=[share])
    # bare charges do not say what they were rated with: shares are refused with them too
    with pytest.raises(
        rk.ShareMismatchError,
        match=re.escape("for bare charges, which do not say which shares they were rated with; ")
        + r".*pass the Rating that rk\.rate\(\.\.\., shares=\[\.\.\.\]\) returned",
    ):
        rk.bill(rk.rate(rows, plan, span=MARCH, shares=[share]).charges, shares=[share])
    # without shares, the rating bills whole: acme 5.00 + 10.00 + 5.00 = 20.00 alone
    assert [(i.account, i.total) for i in rk.bill(rating)] == [("acme", Decimal("20.00"))]
    assert rk.bill(rating.charges, shares=[]) == rk.bill(rating)
