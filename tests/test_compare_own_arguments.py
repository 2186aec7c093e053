"""compare_plans checks its own span and as_of before rating any candidate.

They were first read by rate() under the first candidate, so the error blamed it:
"under candidate 'today': rate span must be a Span, not str: '2026-03'.", as if that
candidate's plans were at fault; an analyst would look for the fault in the plans.
"""

from __future__ import annotations

import pytest
from tests._always import Always

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
TODAY = rk.Plan("today", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 1)])


def test_a_span_that_is_no_span_is_the_calls_fault() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.compare_plans([], {"today": TODAY}, span="2026-03")  # type: ignore[arg-type]
    assert str(caught.value) == "compare_plans span must be a Span, not str: '2026-03'."


def test_a_naive_as_of_is_the_calls_fault() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        rk.compare_plans([], {"today": TODAY}, span=MARCH, as_of="2026-03-10T00:00:00")
    assert str(caught.value).startswith(
        "compare_plans as_of '2026-03-10T00:00:00' has no UTC offset;"
    )


def test_records_without_meters_are_the_calls_fault() -> None:
    start = rk.Event("acme", "vm", "2026-03-02T00:00:00Z", kind="start", id="e1")
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.compare_plans([start], {"today": TODAY, "other": TODAY}, span=MARCH)
    assert str(caught.value) == (
        "compare_plans usage must be usage rows, or records with meters=[...]: records were "
        "given without meters= (Event: Event('acme', 'vm', '2026-03-02T00:00:00Z', "
        "kind='start', id='e1')); pass the meters that meter them."
    )


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_a_candidate_name_with_nothing_to_show_is_refused(name: str) -> None:
    # It heads a column of the comparison's table and names its rows.
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.compare_plans([], {name: TODAY}, span=MARCH)
    assert str(caught.value) == (
        "candidate names head the comparison's columns and its rows: give each a name "
        f"with a visible character, not {name!r}."
    )


def test_good_arguments_still_compare() -> None:
    comparison = rk.compare_plans([], {"today": [rk.Assignment("acme", TODAY)]}, span=MARCH)
    assert comparison.totals() == {"today": 1}  # the base fee of 1, a whole month


def test_accounts_reads_a_str_subclass_as_the_text_it_holds() -> None:
    # accounts(candidate, change) compared both by the subclass's own ==: a candidate
    # 'zzz' the comparison does not have answered ('acme',), and so did a change 'zzz'
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
    comparison = rk.compare_plans([], {"now": [rk.Assignment("acme", plan)], "b": plan}, span=MARCH)
    with pytest.raises(rk.UnknownCandidateError) as unknown:
        comparison.accounts(Always("zzz"), "same")
    assert str(unknown.value) == "candidate 'zzz' is not one of this comparison's: 'now', 'b'."
    with pytest.raises(rk.RatekitTypeError) as change:
        comparison.accounts("now", Always("zzz"))  # type: ignore[arg-type]
    assert str(change.value) == (
        "change 'zzz' is not one of 'pays less', 'pays more', 'same', 'not billed'."
    )
    # the text it holds, when it is a candidate and a change, answers as plain text does
    assert comparison.accounts(Always("now"), Always("same")) == ("acme",)  # type: ignore[arg-type]


def test_accounts_names_idle_accounts_whose_fees_and_minimums_are_compared() -> None:
    # acme used 3 GB. "a": 3 x 1 + the base fee 10 = 13.00; "b": max(3 x 2, 25) = 25.00.
    # idle used nothing: "a" 10.00 (the fee), "b" 25.00 (the minimum), 15.00 more.
    gb = rk.Meter("gb", "GB", rk.Discrete())
    months = rk.cycles.monthly(tz="UTC")
    a = rk.Plan(
        "a", "EUR", months, [rk.PriceEntry("x", "gb", rk.PerUnit(1))], fees=[rk.Fee("f", 10)]
    )
    b = rk.Plan(
        "b", "EUR", months, [rk.PriceEntry("x", "gb", rk.PerUnit(2))], minimums=[rk.Minimum(25)]
    )
    used = [rk.Sample("acme", "r", "gb", "2026-03-02T00:00:00Z", 3, id="s1")]
    # A generator is read once, for every candidate.
    comparison = rk.compare_plans(
        used, {"a": a, "b": b}, span=MARCH, meters=[gb], accounts=(n for n in ["idle"])
    )
    assert [(r.account, r.candidate, str(r.total), str(r.difference)) for r in comparison.rows] == [
        ("acme", "a", "13.00", "0.00"),
        ("acme", "b", "25.00", "12.00"),
        ("idle", "a", "10.00", "0.00"),
        ("idle", "b", "25.00", "15.00"),
    ]
    # Without it, the idle account is not compared.
    alone = rk.compare_plans(used, {"a": a, "b": b}, span=MARCH, meters=[gb])
    assert {row.account for row in alone.rows} == {"acme"}


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        (
            "idle",
            (
                "compare_plans accounts must be an iterable of account names such as "
                "['acme', 'globex'], not str: 'idle'."
            ),
        ),
        (
            ["idle", 3],
            "compare_plans accounts must be non-empty strings (account names), not int: 3.",
        ),
    ],
)
def test_accounts_that_are_no_account_names_are_the_calls_fault(
    accounts: object, message: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.compare_plans([], {"today": TODAY}, span=MARCH, accounts=accounts)  # type: ignore[arg-type]
    assert str(caught.value) == message
