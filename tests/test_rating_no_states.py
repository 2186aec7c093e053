"""Rating from records builds no carried metering state: it carries none.

`meter()` gives each resource's state at the span's end, for a next call to continue
from. `rate()` meters its records (and, for the periods before the span, again) and
dropped every state it built: about 4 % of its instructions on the fleet month, and
15 B a record of memory since a state keeps a delta meter's last 16 deltas. It builds
none now; its charges are those of rating `meter()`'s rows, which still carry states.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import _metering_next_state

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10")),
        rk.PriceEntry("e", "egress", rk.PerUnit(1)),
    ],
    allowances=[rk.Allowance("vm.hours", 10, cycle=rk.cycles.yearly(tz="UTC"))],
)
RECORDS = [
    rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1"),
    rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="stop", id="e2"),
    rk.Sample("acme", "vm-1", "egress", "2026-03-01T06:00:00Z", 3, id="s1"),
    # before the span: the yearly allowance's period is metered from 1 January too
    rk.Event("acme", "vm-0", "2026-02-01T00:00:00Z", kind="start", id="e0"),
    rk.Event("acme", "vm-0", "2026-02-01T04:00:00Z", kind="stop", id="e3"),
]


def test_rate_builds_no_state_and_charges_as_rating_metered_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # vm-0 ran 4 h in February, which take 4 of the 10 free hours of the year; vm-1 runs
    # 24 h in March: 6 free, 18 x 0.10 = 1.80; egress 3 GB x 1 = 3. Total 4.80.
    built: list[str] = []
    state_of = _metering_next_state.state_of

    def spied(account: str, resource: str, *rest: object, **options: object) -> object:
        built.append(resource)
        return state_of(account, resource, *rest, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(_metering_next_state, "state_of", spied)
    rating = rk.rate(RECORDS, PLAN, span=MARCH, meters=[HOURS, EGRESS])
    assert built == []
    assert sum((c.amount for c in rating.charges), Decimal(0)) == Decimal("4.80")
    usage = rk.meter(RECORDS, [HOURS, EGRESS], span=MARCH, cycle=PLAN.cycle, as_of=MARCH.end)
    assert sorted(built) == ["vm-0", "vm-1"]  # meter() still gives them
    assert {(s.resource, s.status) for s in usage.state} == {
        ("vm-0", "stopped"),
        ("vm-1", "stopped"),
    }
