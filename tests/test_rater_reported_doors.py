"""Restore refuses a reported line the rater could not have given (a snapshot altered by hand).

A snapshot keeps the quantity and amount reported per line of the kept cycles; the next
statement gives the difference. A line with ``None`` for its kind, a kind ``"E"``, a cycle
that is no cycle of the plans, a plan not of its account or a quantity beyond the range of
results restored, then the next statement raised a bare ``TypeError`` or gave lines the
public `StatementLine` refuses. Each is now refused at restore, naming the line and field.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._snapshots import version_1

import ratekit as rk
from ratekit import _snapshot

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"))]
)
TAIL = "; a reported line is one the rater could give: restore an unaltered copy."


def _snapshot_data() -> dict[str, Any]:
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "vm1", "2026-03-01T01:00:00Z", kind="start", id="e1")])
    rater.statement("2026-03-01T05:00:00Z")
    # forged at version 1's paths (body.reported[0][i]); version 2 decodes to the same
    # lines, which restore checks alike
    return version_1(json.loads(json.dumps(rater.snapshot())))


def _altered(index: int, value: object) -> dict[str, Any]:
    data = _snapshot_data()
    data["body"]["reported"][0][index] = value
    data = {key: value for key, value in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)  # anyone can recompute it
    return data


def test_an_unaltered_reported_line_restores_and_the_stream_goes_on() -> None:
    data = _altered(3, "usage")  # the same kind: resealed, unchanged
    rater = rk.Rater.restore(data, PLAN, [VM])
    (line,) = rater.statement("2026-03-01T06:00:00Z").lines
    assert (line.role, line.quantity) == ("increment", 1)  # 05:00 -> 06:00


@pytest.mark.parametrize(
    ("index", "value", "problem"),
    [
        (
            3,
            None,
            (
                "(account 'a', kind None, plan 'p') is no line: StatementLine kind must be one of "
                "'usage', 'fee', 'minimum', not NoneType: None"
            ),
        ),
        (
            3,
            "E",
            (
                "(account 'a', kind 'E', plan 'p') is no line: StatementLine kind must be one of "
                "'usage', 'fee', 'minimum', not str: 'E'"
            ),
        ),
        (
            4,
            None,
            (
                "(account 'a', kind 'usage', plan None) is no line: StatementLine plan must be a "
                "non-empty string, not NoneType: None"
            ),
        ),
        (
            8,
            None,
            (
                "(account 'a', kind 'usage', plan 'p') is no line: StatementLine unit must be a "
                "non-empty string, not NoneType: None"
            ),
        ),
        (
            9,
            None,
            (
                "(account 'a', kind 'usage', plan 'p') is no line: StatementLine currency must be a "
                "non-empty string, not NoneType: None"
            ),
        ),
        (
            4,
            "q",
            (
                "(account 'a', kind 'usage', plan 'q') names plan 'q', which is not a plan of its "
                "account ('p')"
            ),
        ),
        (
            1,
            0,
            (
                "(account 'a', kind 'usage', plan 'p') has the cycle "
                "1970-01-01T00:00:00Z..2026-03-02T00:00:00Z, which is no cycle of the rater's plans"
            ),
        ),
        (
            2,
            1772409600000001,
            (
                "(account 'a', kind 'usage', plan 'p') has the cycle "
                "2026-03-01T00:00:00Z..2026-03-02T00:00:00.000001Z, which is no cycle of the "
                "rater's plans"
            ),
        ),
    ],
)
def test_a_reported_line_the_rater_could_not_give_is_refused_naming_the_field(
    index: int, value: object, problem: str
) -> None:
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_altered(index, value), PLAN, [VM])
    assert str(caught.value) == f"Rater snapshot body.reported[0] {problem}{TAIL}"


def test_a_reported_quantity_beyond_the_range_of_results_is_refused() -> None:
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_altered(10, "1E+119"), PLAN, [VM])
    assert str(caught.value).startswith(
        "Rater snapshot body.reported[0] (account 'a', kind 'usage', plan 'p') is no line: "
        "StatementLine quantity must be "
    )
    assert str(caught.value).endswith(TAIL)


_TEXT = st.none() | st.integers(-3, 3) | st.sampled_from(["", "E", "usage", "fee", "p", "EUR"])


@settings(max_examples=max(LAWS // 10, FLOOR), deadline=None)
@given(index=st.sampled_from([0, 3, 4, 5, 6, 7, 8, 9]), value=_TEXT)
def test_whatever_a_reported_line_holds_restore_refuses_it_or_statements_give_valid_lines(
    index: int, value: object
) -> None:
    """Oracle: the public constructor re-checks every line the restored rater gives."""
    try:
        rater = rk.Rater.restore(_altered(index, value), PLAN, [VM])
    except rk.BadSnapshotError:
        return
    for as_of in ("2026-03-01T06:00:00Z", "2026-03-03T00:00:00Z"):
        for line in rater.statement(as_of).lines:
            again = rk.StatementLine(
                line.account,
                line.cycle,
                line.kind,
                line.plan,
                line.meter,
                line.entry,
                line.resource,
                line.unit,
                line.currency,
                line.quantity,
                line.amount,
                line.role,
                late=line.late,
            )
            assert again == line
