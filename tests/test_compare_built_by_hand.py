"""A Comparison or ComparisonRow built by hand holds together, or is refused at the door.

Built by hand (a test, stored rows read back), a Comparison whose row names a candidate it
does not list made ``totals()`` and the notebook table raise a bare ``KeyError: 'zzz'``;
a row whose ``difference`` or ``change`` contradicts its totals was taken as it came, so
``accounts("pro", "pays less")`` named an account that pays 1.00 more.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _row(
    candidate: str, total: str | None, baseline: str | None, difference: str | None, change: str
) -> rk.ComparisonRow:
    precise = None if total is None else total
    return rk.ComparisonRow(
        "acme", MARCH, "EUR", candidate, total, precise, baseline, difference, change
    )  # type: ignore[arg-type]


def test_a_row_of_a_candidate_the_comparison_does_not_list_is_refused() -> None:
    with pytest.raises(rk.UnknownCandidateError) as caught:
        rk.Comparison(["a"], [_row("zzz", "1", "1", "0", "same")], {})
    assert str(caught.value) == (
        "Comparison rows[0] is of candidate 'zzz', not among its candidates: 'a'."
    )


def test_invoices_of_a_candidate_the_comparison_does_not_list_are_refused() -> None:
    with pytest.raises(rk.UnknownCandidateError) as caught:
        rk.Comparison(["a"], [], {"ghost": ()})
    assert str(caught.value) == ("Comparison invoices name 'ghost', not among its candidates: 'a'.")


def test_a_candidate_named_twice_is_refused() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Comparison(["a", "a"], [], {})
    assert str(caught.value) == (
        "Comparison candidates name 'a' twice; each candidate heads one column."
    )


def test_a_comparison_of_listed_candidates_still_totals() -> None:
    # 6.00 under 'b' against 5.00 under 'a': difference 6.00 - 5.00 = 1.00, pays more.
    rows = [
        _row("a", "5.00", "5.00", "0.00", "same"),
        _row("b", "6.00", "5.00", "1.00", "pays more"),
    ]
    comparison = rk.Comparison(["a", "b"], rows, {})
    assert comparison.totals() == {"a": Decimal("5.00"), "b": Decimal("6.00")}
    assert "<th>b</th>" in comparison._repr_html_()


@pytest.mark.parametrize(
    ("total", "baseline", "difference", "change", "message"),
    [
        # 6 - 5 = 1, not 7.
        (
            "6",
            "5",
            "7",
            "pays more",
            "ComparisonRow difference must be total - baseline, 6 - 5 = 1, not 7.",
        ),
        # 6 - 5 = 1 > 0: the account pays more, not less.
        (
            "6",
            "5",
            "1",
            "pays less",
            (
                "ComparisonRow change must be 'pays more' for a total of 6 against a baseline of 5, "
                "not 'pays less'."
            ),
        ),
        # no baseline: compared with nothing paid, 6 - 0 = 6.
        (
            "6",
            None,
            "1",
            "pays more",
            "ComparisonRow difference must be total - baseline, 6 - 0 (none billed) = 6, not 1.",
        ),
        # nothing billed: no difference.
        (
            None,
            "5",
            "1",
            "not billed",
            (
                "ComparisonRow difference must be None when the candidate bills nothing (total "
                "None), not 1."
            ),
        ),
        (
            None,
            "5",
            None,
            "same",
            (
                "ComparisonRow change must be 'not billed' for a total of None against a baseline "
                "of 5, not 'same'."
            ),
        ),
    ],
)
def test_a_row_that_contradicts_itself_is_refused(
    total: str | None, baseline: str | None, difference: str | None, change: str, message: str
) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        _row("b", total, baseline, difference, change)
    assert str(caught.value) == message


def test_precise_total_goes_with_total() -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.ComparisonRow("acme", MARCH, "EUR", "b", None, "6", "5", None, "not billed")
    assert str(caught.value) == (
        "ComparisonRow precise_total must be None when total is None, and a number when it "
        "is one, not 6."
    )


def test_consistent_rows_pass() -> None:
    # 39.00 - 45.00 = -6.00: pays less; nothing billed under the baseline: 1.00 - 0 = 1.00.
    assert _row("b", "39.00", "45.00", "-6.00", "pays less").difference == Decimal("-6.00")
    assert _row("b", "1.00", None, "1.00", "pays more").change == "pays more"
    assert _row("b", None, None, None, "not billed").total is None
