"""Faults a DBaaS newcomer found, each on its smallest input: fixed, kept as tests."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
BACKUP = rk.Meter("backup", "GB", rk.Max())


def _peak_cut_on_the_2nd(peak: int, price: str) -> rk.Rating:
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("b", "backup", rk.PerUnit(price))])
    records = [
        rk.Event(
            "acme", "db-1", "2026-03-01T00:00:00Z", {"flavor": "small"}, kind="start", id="e1"
        ),
        rk.Event(
            "acme", "db-1", "2026-03-02T00:00:00Z", {"flavor": "large"}, kind="update", id="e2"
        ),
        rk.Sample("acme", "db-1", "backup", "2026-03-02T00:00:00Z", peak, kind="gauge", id="b1"),
    ]
    return rk.rate(records, plan, span=MARCH, meters=[BACKUP])


def test_the_docs_own_peak_of_10_in_thirds_at_2_adds_up() -> None:
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("b", "backup", rk.PerUnit(2))])
    april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    records = [
        rk.Event(
            "acme", "db-1", "2026-04-01T00:00:00Z", {"flavor": "small"}, kind="start", id="e1"
        ),
        rk.Event(
            "acme", "db-1", "2026-04-11T00:00:00Z", {"flavor": "large"}, kind="update", id="e2"
        ),
        rk.Sample("acme", "db-1", "backup", "2026-04-11T00:00:00Z", 10, kind="gauge", id="b1"),
    ]
    rating = rk.rate(records, plan, span=april, meters=[BACKUP])
    # 10/3 and 20/3 GB at 2: 20 to the last digit
    assert rating.total() == 20


def test_a_peak_cut_by_a_resize_at_one_price_adds_up_to_the_price_of_the_whole() -> None:
    # usage.md (Aggregations that do not add up): the shares 95/31 and 2850/31 GB (cut at
    # their 60th digit, 3.0645...0323 and 91.9354...9677) at 0.05 are 4.75/31 and
    # 142.5/31, neither terminating; priced together, rounded once: 95 x 0.05 = 4.75 to
    # the last digit (each rounded apart, they made 4.7499...9995, 5E-60 short).
    rating = _peak_cut_on_the_2nd(95, "0.05")
    (line,) = rk.bill(rating)[0].lines
    assert line.amount == Decimal("4.75")
    assert (rating.total(), line.precise) == (Decimal("4.75"), Decimal("4.75"))


def test_a_peak_of_3_at_half_a_cent_adds_up_to_its_price() -> None:
    # 3/31 and 90/31 GB at 0.005: 3 x 0.005 = 0.015 together, a tie the invoice rounds
    # half-even to 0.02, as its exact total says (0.01499...995, each rounded apart,
    # went to 0.01 while the invoice printed 0.02).
    rating = _peak_cut_on_the_2nd(3, "0.005")
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("0.02")
    assert invoice.precise_total == Decimal("0.015")
    assert rating.total() == Decimal("0.015")


def test_storage_held_all_month_at_one_price_adds_up_to_its_price() -> None:
    # 7 GB held all March as GB-months, resized on the 2nd and the 5th: the pieces 7/31,
    # 21/31 and 189/31 GB-month at 0.13 (0.91/31, 2.73/31, 24.57/31) are 7 x 0.13 = 0.91
    # together, to the last digit (each rounded apart: 0.91000...0003).
    storage = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("gbmo", "storage", rk.PerUnit("0.13"))])
    records = [
        rk.Event(
            "acme", "db-1", "2026-03-01T00:00:00Z", {"flavor": "small"}, kind="start", id="e1"
        ),
        rk.Event(
            "acme", "db-1", "2026-03-02T00:00:00Z", {"flavor": "large"}, kind="update", id="e2"
        ),
        rk.Event(
            "acme", "db-1", "2026-03-05T00:00:00Z", {"flavor": "small"}, kind="update", id="e3"
        ),
        rk.Sample("acme", "db-1", "storage", "2026-03-01T00:00:00Z", 7, kind="gauge", id="g1"),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[storage])
    assert sum(Fraction(c.quantity) for c in rating.charges) == 7  # the shares telescope
    assert rk.bill(rating)[0].total == Decimal("0.91")  # and the line rounds the exact sum
    assert rating.total() == Decimal("0.91")


def test_a_resize_stamped_before_a_repeated_flavor_names_the_event_sequenced_before_it() -> None:
    hours = rk.Meter("db.hours", "hour", rk.OnOff())
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("h", "db.hours", rk.PerUnit(1))])
    records = [
        rk.Event(
            "acme",
            "db-1",
            "2026-03-02T00:00:00Z",
            {"flavor": "small"},
            kind="start",
            id="e1",
            seq=1,
        ),
        rk.Event(
            "acme",
            "db-1",
            "2026-03-16T00:00:00Z",
            {"flavor": "small"},
            kind="update",
            id="e3",
            seq=5,
        ),
        rk.Event(
            "acme",
            "db-1",
            "2026-03-15T00:00:00Z",
            {"flavor": "large"},
            kind="update",
            id="e3b",
            seq=6,
        ),
    ]
    (anomaly,) = rk.rate(records, plan, span=MARCH, meters=[hours]).anomalies
    assert anomaly.kind == "out_of_order"
    assert "before 2026-03-16T00:00:00Z of the event sequenced before it" in anomaly.message
    assert anomaly.record_ids == ("e3b", "e3")


def test_the_stream_names_the_event_sequenced_before_an_out_of_order_one_as_batch() -> None:
    # The same three events fed one at a time, a statement after each: the anomaly names
    # e3 (seq 5, 16 March, an update that changes nothing), as batch does, not the start e1.
    hours = rk.Meter("db.hours", "hour", rk.OnOff())
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("h", "db.hours", rk.PerUnit(1))])
    events = [
        ("e1", "2026-03-02T00:00:00Z", "start", "small", 1),
        ("e3", "2026-03-16T00:00:00Z", "update", "small", 5),
        ("e3b", "2026-03-15T00:00:00Z", "update", "large", 6),
    ]
    rater = rk.Rater(plan, [hours], start=MARCH.start)
    said = []
    for id_, at, kind, flavor, seq in events:
        rater.feed([rk.Event("acme", "db-1", at, {"flavor": flavor}, kind=kind, id=id_, seq=seq)])
        said += rater.statement("2026-03-20T00:00:00Z").anomalies
    assert [(a.kind, a.record_ids) for a in said] == [("out_of_order", ("e3b", "e3"))]
