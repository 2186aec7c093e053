"""Faults a CDN met, each pinned by a strict xfail stating what should happen.

Each test fails (so the xfail passes) while the fault stands, and passes the day it is
mended: then remove the mark and keep every assertion.
"""

from __future__ import annotations

import datetime as dt

import pytest

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="Asia/Tokyo")
MARCH = MONTHLY.containing("2026-03-15T00:00:00Z")
EGRESS = rk.Meter("egress", "B", rk.Discrete())


@pytest.mark.xfail(
    strict=True,
    reason=(
        "docs/invoices.md (Credits) says a credit's amount 'has at most 50 digits before the "
        "point and 50 decimal places', but rk.Credit refuses any amount of 1E+30 or more "
        "(the range of docs/guarantees.md): the page promises what the door refuses. "
        "Either the door takes what the page says, or the page states the door's range."
    ),
)
def test_a_credit_of_thirty_five_digits_is_taken_as_the_invoices_page_promises() -> None:
    plan = rk.Plan("p", "USD", MONTHLY, [], fees=[rk.Fee("base", 10)])
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH)
    grant = "1" + "0" * 34  # 35 digits before the point, none after: within '50 digits'
    credit = rk.Credit("prepaid", "acme", grant, "USD", start=MARCH.start)
    [invoice] = rk.bill(rating, credits=[credit])
    assert invoice.total == 0
    assert str(invoice.credits[0].left) == str(int(grant) - 10) + ".00"


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a 'too_late' anomaly of a sample names its quantity without the meter's unit "
        "('its quantity 7000000000 (egress) is not applied'): 7 GB or 7 EB? The 'unpriced' "
        "anomaly and every invoice say '7000000000 B'; the message should too."
    ),
)
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
    assert "7000000000 B" in anomaly.message


@pytest.mark.xfail(
    strict=True,
    reason=(
        "rk.Charge's docstring says kind is 'usage', 'fee' or 'minimum', but Charge takes "
        "'reversal' and 'correction' too, which docs/exports.md tells a host to record for "
        "FOCUS (ChargeClass 'Correction') and rk.bill refuses: help(rk.Charge) should name them."
    ),
)
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


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a Rater whose plan prices a meter per a unit its Meter cannot convert to (an entry "
        "stated per 'GB' without meter_unit, a Meter in 'hour') is built, and the feed takes "
        "the sample; then every statement raises UnitError, at every later watermark and after "
        "a restore: the rater is stuck, where docs/streaming.md says a feed refuses a record "
        "that would make every statement fail, and the rater knows its meters' units when built."
    ),
)
def test_a_rater_is_never_stuck_on_a_price_per_an_incompatible_unit() -> None:
    plan = rk.Plan(
        "p", "USD", MONTHLY, [rk.PriceEntry("e", "egress", rk.PerUnit("0.08"), unit="GB")]
    )
    meter = rk.Meter("egress", "hour", rk.Discrete())
    _stuck_or_refused(plan, meter, rk.Sample("a", "n", "egress", "2026-03-10T00:00:00Z", 5, id="x"))


@pytest.mark.xfail(
    strict=True,
    reason=(
        "the same for requests priced per million: an entry stated per 'Mrequest' (no such "
        "conversion exists; a unit of its own) on a Meter in 'request' is built and fed, and "
        "every statement raises UnitError from then on"
    ),
)
def test_a_rater_is_never_stuck_on_requests_priced_per_an_unknown_unit() -> None:
    plan = rk.Plan(
        "p", "USD", MONTHLY, [rk.PriceEntry("r", "requests", rk.PerUnit("0.40"), unit="Mrequest")]
    )
    meter = rk.Meter("requests", "request", rk.Discrete())
    _stuck_or_refused(
        plan, meter, rk.Sample("a", "n", "requests", "2026-03-10T00:00:00Z", 5, id="x")
    )


def test_how_the_rater_is_stuck_today() -> None:
    # The fault above, as it stands: built, fed, then no statement can be made.
    plan = rk.Plan(
        "p", "USD", MONTHLY, [rk.PriceEntry("e", "egress", rk.PerUnit("0.08"), unit="GB")]
    )
    rater = rk.Rater(
        plan, [rk.Meter("egress", "hour", rk.Discrete())], start="2026-03-01T00:00:00+09:00"
    )
    assert rater.feed(
        [rk.Sample("a", "n", "egress", "2026-03-10T00:00:00Z", 5, id="x")]
    ).accepted == ("x",)
    for watermark in ("2026-03-11T00:00:00Z", "2026-06-11T00:00:00Z"):
        with pytest.raises(
            rk.UnitError, match=r"stated per 'GB', but usage of meter 'egress' .* is in 'hour'"
        ):
            rater.statement(watermark)


ASIA = rk.Satisfies(lambda region: region.startswith("ap-"), "Asia")


@pytest.mark.xfail(
    strict=True,
    reason=(
        "under unpriced='anomaly', a usage whose selector's function raises (an edge node "
        "whose region is the int 7 under Satisfies(lambda region: region.startswith('ap-'))) "
        "is taken by the feed, and every statement then raises BadPriceError, at every later "
        "watermark and after a restore; docs/streaming.md says such a usage 'is refused at the "
        "feed the same way, with the BadPriceError rating raises, whatever the plan's unpriced' "
        "(under unpriced='error' it is)"
    ),
)
def test_a_raising_selector_is_refused_at_the_feed_whatever_unpriced() -> None:
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("asia", "egress", rk.PerUnit("0.12"), where={"region": ASIA})],
        unpriced="anomaly",
    )
    rater = rk.Rater(
        plan, [rk.Meter("egress", "GB", rk.Discrete())], start="2026-03-01T00:00:00+09:00"
    )
    records = [
        rk.Event("acme", "edge-7", "2026-03-01T00:00:00Z", {"region": 7}, kind="start", id="ev"),
        rk.Sample("acme", "edge-7", "egress", "2026-03-10T00:00:00Z", 5, id="x"),
    ]
    with pytest.raises(rk.BadPriceError, match=r"Satisfies\('Asia'\) failed on the value 7"):
        rater.feed(records)
    assert rater.statement("2026-03-11T00:00:00Z").lines == ()


def test_a_raising_selector_is_refused_at_the_feed_under_unpriced_error() -> None:
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("asia", "egress", rk.PerUnit("0.12"), where={"region": ASIA})],
    )
    rater = rk.Rater(
        plan, [rk.Meter("egress", "GB", rk.Discrete())], start="2026-03-01T00:00:00+09:00"
    )
    records = [
        rk.Event("acme", "edge-7", "2026-03-01T00:00:00Z", {"region": 7}, kind="start", id="ev"),
        rk.Sample("acme", "edge-7", "egress", "2026-03-10T00:00:00Z", 5, id="x"),
    ]
    with pytest.raises(rk.BadPriceError, match=r"Satisfies\('Asia'\) failed on the value 7"):
        rater.feed(records)
    assert rater.statement("2026-03-11T00:00:00Z").lines == ()
