"""compare_plans carries each candidate's anomalies: what one leaves unpriced is said.

A candidate with ``unpriced="anomaly"`` that leaves a meter unpriced bills less; the
comparison keeps the rating's anomalies per candidate (``Comparison.anomalies``), and its
repr and HTML table count them per candidate, so unbilled usage does not read as a saving.
"""

from __future__ import annotations

import pickle
import re

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")
TODAY = rk.Plan(
    "today",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1")),
        rk.PriceEntry("eg", "egress", rk.PerUnit("1")),
    ],
)
PROPOSAL = rk.Plan(
    "proposal",
    "EUR",
    MONTHS,
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1.5"))],
    unpriced="anomaly",
)
ROWS = [
    rk.UsageRow("acme", "vm.hours", "vm", MARCH, MARCH, 10, "hour", {}, ("e1",)),
    rk.UsageRow("acme", "egress", "ip", MARCH, MARCH, 100, "GB", {}, ("s1",)),
]


def test_an_unpriced_meter_under_a_candidate_is_carried_and_counted() -> None:
    # today: 10 x 1 + 100 x 1 = 110.00; proposal: 10 x 1.5 = 15.00, egress unpriced (an
    # "unpriced" anomaly): "pays less" only because 100 GB are not billed.
    comparison = rk.compare_plans(ROWS, {"today": TODAY, "proposal": PROPOSAL}, span=MARCH)
    assert [(r.candidate, str(r.total), r.change) for r in comparison.rows] == [
        ("today", "110.00", "same"),
        ("proposal", "15.00", "pays less"),
    ]
    assert list(comparison.anomalies) == ["today", "proposal"]
    assert comparison.anomalies["today"] == ()
    (unpriced,) = comparison.anomalies["proposal"]
    assert unpriced.kind == "unpriced"
    assert unpriced.record_ids == ("s1",)
    # the same anomalies as rating the candidate alone
    assert comparison.anomalies["proposal"] == rk.rate(ROWS, PROPOSAL, span=MARCH).anomalies
    assert repr(comparison) == (
        "Comparison(candidates=('today', 'proposal'), 2 rows, anomalies={'proposal': 1})"
    )
    html = comparison._repr_html_()
    footer = re.search(r"<tr class='rk-anomalies'>(.*?)</tr>", html)
    assert footer is not None
    assert footer.group(1) == (
        "<td><b>anomalies</b></td><td></td>"
        "<td style='text-align:right'>0</td>"
        "<td style='text-align:right;color:#b3261e'><b>⚠ 1</b></td>"
    )


def test_a_comparison_without_anomalies_reads_as_before() -> None:
    comparison = rk.compare_plans(ROWS, {"today": TODAY}, span=MARCH)
    assert comparison.anomalies == {"today": ()}
    assert repr(comparison) == "Comparison(candidates=('today',), 1 rows)"
    assert "rk-anomalies" not in comparison._repr_html_()


def test_anomalies_are_checked_at_the_door() -> None:
    comparison = rk.compare_plans(ROWS, {"today": TODAY}, span=MARCH)
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Comparison(comparison.candidates, comparison.rows, comparison.invoices, {"today": 1})
    assert str(caught.value) == (
        "Comparison anomalies must be a mapping of candidate names to tuples of Anomalies, "
        "not dict: {'today': 1}."
    )


def test_the_anomalies_are_read_only_and_only_the_candidates() -> None:
    comparison = rk.compare_plans(
        ROWS, {"today": TODAY, "proposal": PROPOSAL}, span=MARCH, meters=None
    )
    anomalies = comparison.anomalies
    # Every candidate is there (empty when it has none); the mapping cannot be changed.
    assert set(anomalies) == {"today", "proposal"}
    assert anomalies["today"] == ()
    assert [a.kind for a in anomalies["proposal"]] == ["unpriced"]
    with pytest.raises(TypeError):
        anomalies["proposal"] = ()  # type: ignore[index]
    assert len(comparison.anomalies["proposal"]) == 1
    with pytest.raises(rk.UnknownCandidateError) as error:
        anomalies["nope"]
    assert str(error.value) == (
        "candidate 'nope' is not one of this comparison's: 'today', 'proposal'."
    )
    assert anomalies.get("nope") is None
    assert "nope" not in anomalies
    with pytest.raises(rk.UnknownCandidateError) as error:
        rk.Comparison(comparison.candidates, comparison.rows, comparison.invoices, {"ghost": ()})
    assert str(error.value) == (
        "Comparison anomalies name 'ghost', not among its candidates: 'today', 'proposal'."
    )
    again = pickle.loads(pickle.dumps(comparison))
    assert again.anomalies == anomalies
    assert repr(again) == repr(comparison)


def test_a_usages_metering_anomalies_are_each_candidates_as_records_are() -> None:
    # a stop of a VM never started: metering says "orphan_stop", whichever plan prices it
    meters = [rk.Meter("vm.hours", "hour", rk.OnOff())]
    records = [
        rk.Event("acme", "vm", "2026-03-02T00:00:00Z", {}, kind="start", id="e1"),
        rk.Event("acme", "vm", "2026-03-03T00:00:00Z", {}, kind="stop", id="e2"),
        rk.Event("acme", "old", "2026-03-04T00:00:00Z", {}, kind="stop", id="e3"),
    ]
    usage = rk.meter(records, meters, span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    (orphan,) = usage.anomalies
    assert orphan.kind == "orphan_stop"
    candidates = {"today": TODAY, "proposal": PROPOSAL}
    given_usage = rk.compare_plans(usage, candidates, span=MARCH)
    given_records = rk.compare_plans(records, candidates, span=MARCH, meters=meters)
    for name in candidates:
        assert given_usage.anomalies[name] == (orphan,)
        assert given_usage.anomalies[name] == given_records.anomalies[name]
    assert repr(given_usage).endswith("anomalies={'today': 1, 'proposal': 1})")
