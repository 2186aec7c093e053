"""Hostile rows: a stored row changed anywhere comes back or is refused, never crashes.

The law: change one value of the row of a usage row, a charge or an invoice (to null, a
number, NaN, a huge or odd string, a list, an object, something deeply nested), drop a
key or add one, and :func:`ratekit.from_row` either raises :class:`~ratekit.BadDataError`
or gives a value whose row is the changed row's canonical form, which billing (for
charges and invoices) and printing handle with nothing but ratekit's own errors.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests.test_plandata_fuzz import _HOSTILE, _paths

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="Europe/Zurich"),
    [
        rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.085")])),
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5")),
    ],
    fees=[rk.Fee("support", "30")],
    minimums=[rk.Minimum("50")],
    allowances=[rk.Allowance("vm.hours", 2)],
)
USAGE = [
    rk.UsageRow("acme", "egress", "ip-1", MARCH, MARCH, 33, "GB", {"zone": "a"}, ("s1", "s2")),
    rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, "7.5", "hour", {"size": 2}, ("e1",)),
]
RATING = rk.rate(USAGE, PLAN, span=MARCH)
VALUES: list[tuple[type, Any]] = [
    (rk.UsageRow, USAGE[1]),
    (rk.Charge, RATING.charges[0]),
    (rk.Invoice, rk.bill(RATING)[0]),
    (
        rk.Event,
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"size": 2}, kind="start", id="e1"),
    ),
    (
        rk.Sample,
        rk.Sample(
            "acme",
            "ip-1",
            "egress",
            "2026-03-02T00:00:00Z",
            "5",
            since="2026-03-01T00:00:00Z",
            id="s",
        ),
    ),
]


@st.composite
def _changed(draw: st.DrawFn) -> tuple[type, dict[str, Any]]:
    cls, value = draw(st.sampled_from(VALUES))
    row = copy.deepcopy(rk.to_row(value))
    paths = [path for path in _paths(row) if path]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent: Any = row
        try:
            for step in path[:-1]:
                parent = parent[step]
            action = draw(st.sampled_from(["set", "set", "set", "drop", "add"]))
            if action == "set":
                parent[path[-1]] = draw(_HOSTILE)
            elif action == "drop":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.sampled_from(["extra", "kind", "span"]))] = draw(_HOSTILE)
            else:
                parent.append(draw(_HOSTILE))
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # an earlier change removed this path
    return cls, row


# Half the law budget: each example bills and prints an invoice (about 15 ms).
@settings(
    max_examples=max(LAWS // 2, FLOOR), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(_changed())
def test_law_a_changed_row_comes_back_or_is_refused_never_crashes(changed):
    cls, row = changed
    try:
        value = rk.from_row(cls, row)
    except rk.BadDataError:
        return
    assert rk.from_row(cls, rk.to_row(value)) == value
    repr(value)
    with contextlib.suppress(rk.RatekitError):
        if cls is rk.Invoice:
            str(value)
        elif cls is rk.Charge:
            str(rk.bill([value])[0])
