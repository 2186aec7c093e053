"""Ids are one space across accounts (docs/streaming.md, exactly once).

A source that numbers each tenant's records on its own gives acme's and beta's first
events the same id: the rater keeps the first and calls the other `conflicting` (not
billed), as batch `rate()` refuses the two together; ids made unique across tenants
bill both.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")


def _starts(acme_id: str, beta_id: str) -> list[rk.Event]:
    return [
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id=acme_id),
        rk.Event("beta", "vm-1", "2026-03-01T12:00:00Z", kind="start", id=beta_id),
    ]


def test_an_id_reused_by_another_account_is_conflicting_and_not_billed() -> None:
    rater = rk.Rater(PLAN, [HOURS], start="2026-03-01T00:00:00Z")
    acme, beta = _starts("e1", "e1")
    assert rater.feed([acme]).accepted == ("e1",)
    assert rater.feed([beta]).conflicting == ("e1",)
    # acme's VM runs 24 h at 1 EUR; beta's, never taken, nothing.
    assert rater.statement("2026-03-02T00:00:00Z").totals_by_currency() == {"EUR": Decimal(24)}
    with pytest.raises(rk.ConflictingRecordError, match=r"share the id 'e1'"):
        rk.rate([acme, beta], PLAN, span=DAY, meters=[HOURS])


def test_ids_made_unique_across_accounts_bill_both() -> None:
    rater = rk.Rater(PLAN, [HOURS], start="2026-03-01T00:00:00Z")
    records = _starts("acme/e1", "beta/e1")
    assert rater.feed(records).accepted == ("acme/e1", "beta/e1")
    # acme 24 h + beta 12 h (from noon) at 1 EUR: 36, as batch.
    statement = rater.statement("2026-03-02T00:00:00Z")
    assert statement.total() == 36
    assert sum(c.amount for c in rk.rate(records, PLAN, span=DAY, meters=[HOURS]).charges) == 36
