"""Faults a CDN met, each first pinned by a strict xfail, now mended: each test states
what should happen (a credit's range as the invoices page states it, a too-late sample's
unit, the kinds a Charge takes, a rater refusing a price per a unit its meter cannot
convert to, a selector's function that raises refused at the feed whatever unpriced)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="Asia/Tokyo")
MARCH = MONTHLY.containing("2026-03-15T00:00:00Z")
EGRESS = rk.Meter("egress", "B", rk.Discrete())


def test_a_credit_is_a_number_of_the_range_the_invoices_page_states() -> None:
    # The page said "at most 50 digits before the point", which the door never took: it
    # now states the range every amount lies in (below 1E+30), and the door names it.
    page = (Path(__file__).parents[1] / "docs" / "invoices.md").read_text(encoding="utf-8")
    assert "50 digits before" not in page
    assert "up to\nbut excluding `1E+30`" in page
    with pytest.raises(rk.BadQuantityError) as refused:
        rk.Credit("prepaid", "acme", "1" + "0" * 34, "USD", start=MARCH.start)
    assert "Credit amount '1" + "0" * 34 + "' lies outside" in str(refused.value)
    assert "up to but excluding 1E+30" in str(refused.value)
    # 10^29 - 1, 29 digits before the point, is taken: a fee of 10 leaves 10^29 - 11
    plan = rk.Plan("p", "USD", MONTHLY, [], fees=[rk.Fee("base", 10)])
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH)
    grant = "9" * 29
    credit = rk.Credit("prepaid", "acme", grant, "USD", start=MARCH.start)
    [invoice] = rk.bill(rating, credits=[credit])
    assert invoice.total == 0
    assert str(invoice.credits[0].left) == str(int(grant) - 10) + ".00"


def test_a_too_late_sample_names_its_quantity_with_its_unit() -> None:
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("e", "egress", rk.PerUnit("0.08"), unit="GB", meter_unit="B")],
    )
    rater = rk.Rater(
        plan, [EGRESS], start="2026-03-01T00:00:00+09:00", horizon=dt.timedelta(days=3)
    )
    rater.statement("2026-05-05T00:00:00+09:00")  # March closed and compacted
    old = rk.Sample("acme", "n1", "egress", "2026-03-20T10:05:00+09:00", 7 * 10**9, id="old")
    feed = rater.feed([old])
    assert feed.too_late == ("old",)
    [anomaly] = feed.anomalies
    assert (anomaly.meter, anomaly.quantity) == ("egress", 7 * 10**9)
    assert "its quantity 7000000000 B (egress) is not applied" in anomaly.message
    # a delta over a span that lies wholly in compacted March says its unit too
    spanned = rk.Sample(
        "acme",
        "n1",
        "egress",
        "2026-03-20T11:00:00+09:00",
        5,
        id="spanned",
        since="2026-03-20T10:00:00+09:00",
    )
    feed = rater.feed([spanned])
    assert feed.too_late == ("spanned",)
    assert "its quantity 5 B (egress) is not applied" in feed.anomalies[0].message


def test_the_charge_docstring_names_every_kind_it_takes() -> None:
    correction = rk.Charge(
        "acme",
        "egress",
        "n1",
        MARCH,
        MARCH,
        -5,
        "GB",
        "-0.40",
        "USD",
        "p",
        "e",
        "0.08",
        kind="correction",
    )
    [row] = rk.focus_rows([correction], provider="Edge CDN")
    assert row["ChargeClass"] == "Correction"
    doc = rk.Charge.__doc__ or ""
    assert '``"reversal"``' in doc
    assert '``"correction"``' in doc


def _stuck_or_refused(plan: rk.Plan, meter: rk.Meter, sample: rk.Sample) -> None:
    """What should happen: the rater refuses the plan when built, or the feed refuses the
    sample, naming both units; either way no statement fails afterwards."""
    try:
        rater = rk.Rater(plan, [meter], start="2026-03-01T00:00:00+09:00")
    except rk.UnitError as error:
        refused = str(error)
    else:
        refused = ""
    if refused:
        assert plan.entries[0].id in refused
        return
    with pytest.raises(rk.UnitError, match=f"'{meter.unit}'"):
        rater.feed([sample])
    assert rater.statement("2026-03-11T00:00:00Z").lines == ()


def test_a_rater_is_never_stuck_on_a_price_per_an_incompatible_unit() -> None:
    plan = rk.Plan(
        "p", "USD", MONTHLY, [rk.PriceEntry("e", "egress", rk.PerUnit("0.08"), unit="GB")]
    )
    meter = rk.Meter("egress", "hour", rk.Discrete())
    _stuck_or_refused(plan, meter, rk.Sample("a", "n", "egress", "2026-03-10T00:00:00Z", 5, id="x"))


def test_a_rater_is_never_stuck_on_requests_priced_per_an_unknown_unit() -> None:
    plan = rk.Plan(
        "p", "USD", MONTHLY, [rk.PriceEntry("r", "requests", rk.PerUnit("0.40"), unit="Mrequest")]
    )
    meter = rk.Meter("requests", "request", rk.Discrete())
    _stuck_or_refused(
        plan, meter, rk.Sample("a", "n", "requests", "2026-03-10T00:00:00Z", 5, id="x")
    )


def test_a_rater_refuses_when_built_a_price_per_a_unit_its_meter_cannot_convert_to() -> None:
    # It was built, took the sample, then failed every statement (restored or not).
    plan = rk.Plan(
        "p", "USD", MONTHLY, [rk.PriceEntry("e", "egress", rk.PerUnit("0.08"), unit="GB")]
    )
    with pytest.raises(
        rk.UnitError,
        match=r"Rater: price entry 'e' of plan 'p' is stated per 'GB', but meter 'egress' is in 'hour'",
    ):
        rk.Rater(
            plan, [rk.Meter("egress", "hour", rk.Discrete())], start="2026-03-01T00:00:00+09:00"
        )


ASIA = rk.Satisfies(lambda region: region.startswith("ap-"), "Asia")


def _asia(unpriced: str) -> rk.Plan:
    entry = rk.PriceEntry("asia", "egress", rk.PerUnit("0.12"), where={"region": ASIA})
    return rk.Plan("p", "USD", MONTHLY, [entry], unpriced=unpriced)


@pytest.mark.parametrize("unpriced", ["anomaly", "error"])
def test_a_raising_selector_is_refused_at_the_feed_whatever_unpriced(unpriced: str) -> None:
    # under "anomaly" it was taken, and every statement then raised BadPriceError
    rater = rk.Rater(
        _asia(unpriced),
        [rk.Meter("egress", "GB", rk.Discrete())],
        start="2026-03-01T00:00:00+09:00",
    )
    records = [
        rk.Event("acme", "edge-7", "2026-03-01T00:00:00Z", {"region": 7}, kind="start", id="ev"),
        rk.Sample("acme", "edge-7", "egress", "2026-03-10T00:00:00Z", 5, id="x"),
    ]
    with pytest.raises(rk.BadPriceError, match=r"Satisfies\('Asia'\) failed on the value 7"):
        rater.feed(records)
    assert rater.statement("2026-03-11T00:00:00Z").lines == ()


def test_under_unpriced_anomaly_a_selector_that_answers_takes_what_it_does_not_select() -> None:
    # Satisfies answers (False) for "eu-west": the usage is taken and is "unpriced"; the
    # node in "ap-east" is priced: 5 GB x 0.12 = 0.60. A later batch whose region makes the
    # function raise is refused whole, and leaves what was taken as it was.
    rater = rk.Rater(
        _asia("anomaly"),
        [rk.Meter("egress", "GB", rk.Discrete())],
        start="2026-03-01T00:00:00+09:00",
    )
    taken = [
        rk.Event(
            "acme", "eu", "2026-03-01T00:00:00Z", {"region": "eu-west"}, kind="start", id="e1"
        ),
        rk.Sample("acme", "eu", "egress", "2026-03-10T00:00:00Z", 3, id="s1"),
        rk.Event(
            "acme", "ap", "2026-03-01T00:00:00Z", {"region": "ap-east"}, kind="start", id="e2"
        ),
        rk.Sample("acme", "ap", "egress", "2026-03-10T00:00:00Z", 5, id="s2"),
    ]
    assert rater.feed(taken).accepted == ("e1", "s1", "e2", "s2")
    before = rater.snapshot()
    raising = [
        rk.Event("acme", "n7", "2026-03-02T00:00:00Z", {"region": 7}, kind="start", id="e3"),
        rk.Sample("acme", "n7", "egress", "2026-03-10T00:00:00Z", 1, id="s3"),
    ]
    with pytest.raises(rk.BadPriceError, match=r"Satisfies\('Asia'\) failed on the value 7"):
        rater.feed(raising)
    assert rater.snapshot() == before
    statement = rater.statement("2026-03-11T00:00:00Z")
    assert [(line.resource, line.amount) for line in statement.lines] == [("ap", Decimal("0.60"))]
    assert [a.kind for a in statement.anomalies] == ["unpriced"]
