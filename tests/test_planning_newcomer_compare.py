"""A pricing analyst compares candidate plans on the same usage (docs/experiments.md).

Every number is worked by hand in the comment beside it; the HTML is read back with
``html.parser`` to check that nothing a user wrote becomes markup.
"""

from __future__ import annotations

import io
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._html_pages import EVIL, SAFE_TAGS, parsed

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")


def row(
    account: str, quantity: object, meter: str = "egress", resource: str = "ip-1"
) -> rk.UsageRow:
    return rk.UsageRow(account, meter, resource, MARCH, MARCH, quantity, "GB", {}, ())


def tiers() -> list[rk.Tier]:
    return [rk.Tier(10, "0.1"), rk.Tier(100, "0.05"), rk.Tier(None, "0.01")]


GRADUATED = rk.Plan("grad", "EUR", MONTHS, [rk.PriceEntry("eg", "egress", rk.Graduated(tiers()))])
VOLUME = rk.Plan("vol", "EUR", MONTHS, [rk.PriceEntry("eg", "egress", rk.Volume(tiers()))])


def test_graduated_against_volume_worked_by_hand() -> None:
    comparison = rk.compare_plans(
        [row("acme", 150), row("beta", 50)], {"grad": GRADUATED, "vol": VOLUME}, span=MARCH
    )
    # acme 150 GB: graduated 10 x 0.1 + 90 x 0.05 + 50 x 0.01 = 1 + 4.5 + 0.5 = 6.00;
    #              volume 150 x 0.01 = 1.50 (the whole quantity in the open tier)
    # beta 50 GB:  graduated 10 x 0.1 + 40 x 0.05 = 3.00; volume 50 x 0.05 = 2.50
    got = [(r.account, r.candidate, r.total, r.difference, r.change) for r in comparison.rows]
    assert got == [
        ("acme", "grad", Decimal("6.00"), Decimal("0.00"), "same"),
        ("acme", "vol", Decimal("1.50"), Decimal("-4.50"), "pays less"),
        ("beta", "grad", Decimal("3.00"), Decimal("0.00"), "same"),
        ("beta", "vol", Decimal("2.50"), Decimal("-0.50"), "pays less"),
    ]
    assert comparison.totals() == {"grad": Decimal("9.00"), "vol": Decimal("4.00")}
    assert comparison.accounts("vol", "pays less") == ("acme", "beta")


def test_fifty_candidates_each_match_a_hand_oracle() -> None:
    rng = random.Random(20260305)
    candidates: dict[str, rk.Plan] = {}
    tables: dict[str, tuple[str, list[tuple[Decimal | None, Decimal]], Decimal]] = {}
    for index in range(50):
        low = rng.randint(1, 50)
        high = low + rng.randint(1, 100)
        units = [Decimal(rng.randint(0, 999)) / 1000 for _ in range(3)]
        table: list[tuple[Decimal | None, Decimal]] = [
            (Decimal(low), units[0]),
            (Decimal(high), units[1]),
            (None, units[2]),
        ]
        kind = "Graduated" if index % 2 else "Volume"
        model = rk.Graduated if kind == "Graduated" else rk.Volume
        fee = Decimal(index) / 8  # 0.125 steps: half-even ties on the cent
        candidates[f"c{index}"] = rk.Plan(
            f"c{index}",
            "EUR",
            MONTHS,
            [rk.PriceEntry("e", "egress", model([rk.Tier(up, unit) for up, unit in table]))],
            fees=[rk.Fee("f", fee)],
        )
        tables[f"c{index}"] = (kind, table, fee)
    quantities = [Decimal(rng.randint(0, 20000)) / 100 for _ in range(40)]
    rows = [row(f"a{j}", quantity, resource=f"r{j}") for j, quantity in enumerate(quantities)]
    comparison = rk.compare_plans(rows, candidates, span=MARCH)
    assert len(comparison.rows) == 50 * 40

    def price(name: str, quantity: Decimal) -> Fraction:
        kind, table, _ = tables[name]
        q, total, lower = Fraction(quantity), Fraction(0), Fraction(0)
        for up, unit in table:
            upper = None if up is None else Fraction(up)
            if kind == "Volume":
                if upper is None or q <= upper:
                    return q * Fraction(unit)
                continue
            top = q if upper is None else min(q, upper)
            total += max(top - lower, Fraction(0)) * Fraction(unit)
            if upper is None or q <= upper:
                break
            lower = upper
        return total

    def cents(value: Fraction) -> Decimal:
        return Decimal(round(value * 100)) / 100  # round() on a Fraction is half-even

    for result in comparison.rows:
        quantity = quantities[int(result.account[1:])]
        fee = tables[result.candidate][2]
        assert result.total == cents(price(result.candidate, quantity)) + cents(Fraction(fee))
        base = next(
            r.total for r in comparison.rows if r.account == result.account and r.candidate == "c0"
        )
        assert result.difference == result.total - base  # type: ignore[operator]
    totals = comparison.totals()
    assert totals == {
        name: sum((r.total for r in comparison.rows if r.candidate == name), Decimal(0))
        for name in candidates
    }
    page = comparison._repr_html_()
    assert page.count("<th>") == 52  # account, cycle and one column per candidate
    assert comparison.to_frame().shape == (2000, 10)


def test_empty_usage_compares_nothing_and_totals_zero() -> None:
    comparison = rk.compare_plans([], {"grad": GRADUATED, "vol": VOLUME}, span=MARCH)
    assert comparison.rows == ()
    assert comparison.to_rows() == []
    assert comparison.totals() == {"grad": Decimal(0), "vol": Decimal(0)}
    assert list(comparison.to_frame().columns) == [
        "account",
        "cycle_start",
        "cycle_end",
        "currency",
        "candidate",
        "total",
        "precise_total",
        "baseline",
        "difference",
        "change",
    ]
    named = rk.compare_plans([], {"grad": GRADUATED, "vol": VOLUME}, span=MARCH, accounts=["idle"])
    assert named.rows == ()  # nothing is due without usage: no fee, base or minimum


def test_a_plan_whose_every_tier_is_free_bills_zero_and_the_paid_one_pays_more() -> None:
    free = rk.Plan(
        "free",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, 0)]))],
    )
    free_volume = rk.Plan(
        "freev",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "egress", rk.Volume([rk.Tier(10, 0), rk.Tier(None, 0)]))],
    )
    paid = rk.Plan("paid", "EUR", MONTHS, [rk.PriceEntry("e", "egress", rk.PerUnit("0.1"))])
    comparison = rk.compare_plans(
        [row("a", 5)], {"free": free, "freev": free_volume, "paid": paid}, span=MARCH
    )
    # 5 GB: 0 under both free plans, 5 x 0.1 = 0.50 per unit
    assert [(r.candidate, r.total, r.change) for r in comparison.rows] == [
        ("free", Decimal("0.00"), "same"),
        ("freev", Decimal("0.00"), "same"),
        ("paid", Decimal("0.50"), "pays more"),
    ]
    zero = rk.compare_plans([row("a", 0)], {"free": free, "paid": paid}, span=MARCH)
    assert [(r.candidate, r.total) for r in zero.rows] == [
        ("free", Decimal("0.00")),
        ("paid", Decimal("0.00")),
    ]


def test_a_refund_is_paid_back_per_unit_and_priced_at_zero_by_tiers() -> None:
    paid = rk.Plan("paid", "EUR", MONTHS, [rk.PriceEntry("e", "egress", rk.PerUnit("0.1"))])
    comparison = rk.compare_plans([row("a", -5)], {"paid": paid, "grad": GRADUATED}, span=MARCH)
    # -5 GB: per unit -0.50; a tiered price prices a negative cycle total at 0 (negative_total)
    assert [(r.candidate, r.total, r.difference, r.change) for r in comparison.rows] == [
        ("paid", Decimal("-0.50"), Decimal("0.00"), "same"),
        ("grad", Decimal("0.00"), Decimal("0.50"), "pays more"),
    ]
    assert [a.kind for a in comparison.anomalies["grad"]] == ["negative_total"]


def test_tiny_and_coarse_quanta_print_in_plain_notation() -> None:
    tiny = rk.Plan(
        "tiny", "EUR", MONTHS, [rk.PriceEntry("e", "egress", rk.PerUnit("1e-30"))], quantum="1e-30"
    )
    coarse = rk.Plan(
        "coarse", "EUR", MONTHS, [rk.PriceEntry("e", "egress", rk.PerUnit(1))], quantum="1e10"
    )
    comparison = rk.compare_plans(
        [row("a", "123456789012")], {"coarse": coarse, "tiny": tiny}, span=MARCH
    )
    rows = comparison.to_rows()
    # 123456789012 at 1 on a quantum of 1e10: 12.3456789012 steps, half-even 12: 120000000000
    assert rows[0]["total"] == "120000000000"
    assert rows[0]["precise_total"] == "123456789012"
    # 123456789012 x 1e-30 = 1.23456789012e-19, on the quantum 1e-30 exactly
    assert rows[1]["total"] == "0.000000000000000000123456789012"
    assert rows[1]["difference"] == "-119999999999.999999999999999999876543210988"
    numbers = [
        rows[i][key] for i in (0, 1) for key in ("total", "precise_total", "baseline", "difference")
    ]
    assert not [number for number in numbers if "E" in str(number)]


def test_every_name_in_the_comparison_table_is_text() -> None:
    plan = rk.Plan(
        "p" + EVIL, "EUR", MONTHS, [rk.PriceEntry("e" + EVIL, "m" + EVIL, rk.PerUnit(1))]
    )
    priceless = rk.Plan(
        "q", "EUR", MONTHS, [rk.PriceEntry("e", "zz", rk.PerUnit(1))], unpriced="anomaly"
    )
    usage = [rk.UsageRow("a" + EVIL, "m" + EVIL, "r" + EVIL, MARCH, MARCH, 5, "GB", {}, ())]
    comparison = rk.compare_plans(usage, {"x" + EVIL: plan, "y" + EVIL: priceless}, span=MARCH)
    page = parsed(comparison._repr_html_())
    assert page.tags <= SAFE_TAGS
    assert not [name for name, _ in page.attributes if name.startswith("on")]
    text = "".join(page.text)
    assert text.count(EVIL) == 3  # two candidate headers and the account
    assert "not billed" in text
    assert "⚠ 1" in text


def test_an_error_under_one_candidate_names_it() -> None:
    bounded = rk.Plan(
        "b", "EUR", MONTHS, [rk.PriceEntry("e", "egress", rk.Graduated([rk.Tier(10, 1)]))]
    )
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^under candidate 'bounded': price entry 'e' of plan 'b' cannot price 11 GB",
    ):
        rk.compare_plans([row("a", 11)], {"grad": GRADUATED, "bounded": bounded}, span=MARCH)
    dollars = rk.Plan("u", "USD", MONTHS, [rk.PriceEntry("e", "egress", rk.PerUnit(1))])
    with pytest.raises(rk.CurrencyMismatchError, match=r"billed in EUR by 'grad', USD by 'usd'"):
        rk.compare_plans([row("a", 1)], {"grad": GRADUATED, "usd": dollars}, span=MARCH)


def test_a_prorated_fee_under_assignments_is_compared_exactly() -> None:
    fee = rk.Plan("fee", "EUR", MONTHS, [], fees=[rk.Fee("f", 10)])
    late = [rk.Assignment("x", fee, start="2026-03-11T00:00:00Z")]
    comparison = rk.compare_plans(
        [], {"late": late, "whole": [rk.Assignment("x", fee)]}, span=MARCH
    )
    # from 11 March: 21 of 31 days, 10 x 21/31 = 6.774193548387096774193548387096774193548387...
    first, second = comparison.to_rows()
    assert first["total"] == "6.77"
    assert abs(Fraction(str(first["precise_total"])) - Fraction(210, 31)) < Fraction(1, 10**57)
    assert (second["total"], second["difference"], second["change"]) == (
        "10.00",
        "3.23",
        "pays more",
    )


def test_a_table_of_250_accounts_shows_200_and_totals_all() -> None:
    low = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "egress", rk.PerUnit("0.015"))])
    high = rk.Plan("q", "EUR", MONTHS, [rk.PriceEntry("e", "egress", rk.PerUnit("0.025"))])
    usage = [row(f"a{i:03d}", i + 1) for i in range(250)]
    comparison = rk.compare_plans(usage, {"low": low, "high": high}, span=MARCH)
    # account i uses i GB: round-half-even(i x 0.015) and (i x 0.025) on the cent, summed
    low_total = sum(Fraction(round(Fraction(15, 1000) * i * 100), 100) for i in range(1, 251))
    high_total = sum(Fraction(round(Fraction(25, 1000) * i * 100), 100) for i in range(1, 251))
    assert (low_total, high_total) == (Fraction("470.63"), Fraction("784.37"))
    assert comparison.totals() == {"low": Decimal("470.63"), "high": Decimal("784.37")}
    page = parsed(comparison._repr_html_())
    text = "".join(page.text)
    assert "… and 50 more rows (in the totals below)" in text
    assert "470.63 EUR" in text
    assert "784.37 EUR" in text
    assert "a199" in text
    assert "a200" not in text


def test_a_comparison_read_back_from_csv_totals_to_the_cent() -> None:
    pandas = pytest.importorskip("pandas")
    usage = [row(f"acct,{i}\n=1", Decimal(i) * Decimal("3.37")) for i in range(30)]
    comparison = rk.compare_plans(usage, {"grad": GRADUATED, "vol": VOLUME}, span=MARCH)
    text = comparison.to_frame().to_csv(index=False)
    back = pandas.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert len(back) == 60
    for name, total in comparison.totals().items():
        assert sum(Fraction(t) for t in back[back["candidate"] == name]["total"]) == Fraction(total)
    assert set(back["account"]) == {f"acct,{i}\n=1" for i in range(30)}
