"""compare_plans splits shared resources by ``shares``, as rate() and bill() do; no credits."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")
ROWS = [rk.UsageRow("acme", "image.hours", "image-1", MARCH, MARCH, 100, "hour", {}, ())]
TODAY = rk.Plan("today", "EUR", MONTHS, [rk.PriceEntry("i", "image.hours", rk.PerUnit("0.10"))])
CHEAPER = rk.Plan("cheaper", "EUR", MONTHS, [rk.PriceEntry("i", "image.hours", rk.PerUnit("0.08"))])
SHARE = rk.Share("acme", "image-1", {"acme": 1, "beta": 1})


def test_a_shared_image_is_split_under_every_candidate_as_on_the_invoices() -> None:
    # By hand: 100 h x 0.10 = 10.00 today, split 1:1 -> acme 5.00, beta 5.00;
    # 100 h x 0.08 = 8.00 cheaper -> acme 4.00, beta 4.00 (each pays 1.00 less).
    candidates = {"today": TODAY, "cheaper": CHEAPER}
    comparison = rk.compare_plans(ROWS, candidates, span=MARCH, shares=[SHARE])
    assert [(r.account, r.candidate, r.total, r.change) for r in comparison.rows] == [
        ("acme", "today", Decimal("5.00"), "same"),
        ("acme", "cheaper", Decimal("4.00"), "pays less"),
        ("beta", "today", Decimal("5.00"), "same"),
        ("beta", "cheaper", Decimal("4.00"), "pays less"),
    ]
    invoices = rk.bill(rk.rate(ROWS, TODAY, span=MARCH, shares=[SHARE]))
    assert [(i.account, i.total) for i in invoices] == [
        ("acme", Decimal("5.00")),
        ("beta", Decimal("5.00")),
    ]
    # Without shares the owner pays it all: 10.00 and 8.00.
    alone = rk.compare_plans(ROWS, candidates, span=MARCH)
    assert [(r.account, r.total) for r in alone.rows] == [
        ("acme", Decimal("10.00")),
        ("acme", Decimal("8.00")),
    ]


def test_shares_of_another_type_are_refused_naming_the_argument() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"compare_plans shares"):
        rk.compare_plans(ROWS, {"today": TODAY}, span=MARCH, shares=3)  # type: ignore[arg-type]


def test_compare_plans_takes_no_credits_and_says_so() -> None:
    assert "credits" not in inspect.signature(rk.compare_plans).parameters
    assert "Credits are not taken" in (rk.compare_plans.__doc__ or "")
