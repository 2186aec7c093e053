"""Laws over random record streams: order, replay and account isolation.

Each law rates a random stream (three accounts, two resources, events and samples on a
6-hour grid over two months, see ``streams.py``) under one plan with usage prices, a
fee and minimums, and compares with the same stream changed in a way the law says does
not matter. Small inputs, many examples (``RATEKIT_LAW_EXAMPLES``, 2,000 by default).
"""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk

from .streams import ACCOUNTS, LAWS, rated, streams


def _charges(rating: rk.Rating, account: str | None = None) -> list[str]:
    return [
        repr(charge) for charge in rating.charges if account is None or charge.account == account
    ]


def _invoices(rating: rk.Rating) -> list[str]:
    return [invoice.to_text() for invoice in rk.bill(rating)]


@settings(max_examples=LAWS // 2)
@given(streams(), st.integers(0, 2**32))
def test_arrival_order_changes_nothing(records: list[rk.Event | rk.Sample], seed: int) -> None:
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    first, second = rated(records), rated(shuffled)
    assert _charges(second) == _charges(first)
    assert _invoices(second) == _invoices(first)
    assert [a.kind for a in second.anomalies] == [a.kind for a in first.anomalies]


@settings(max_examples=LAWS // 2)
@given(streams(), st.lists(st.integers(0, 7), max_size=4))
def test_replaying_records_changes_no_charge(
    records: list[rk.Event | rk.Sample], picks: list[int]
) -> None:
    replayed = [records[pick % len(records)] for pick in picks] if records else []
    once = rated(records)
    assert _charges(rated([*records, *replayed])) == _charges(once)
    assert _invoices(rated([*replayed, *records])) == _invoices(once)


def _other(account: str, record: rk.Event | rk.Sample) -> bool:
    return record.account != account


@settings(max_examples=LAWS // 2)
@given(streams(), st.sampled_from(ACCOUNTS))
def test_removing_an_account_changes_no_other_accounts_charges(
    records: list[rk.Event | rk.Sample], removed: str
) -> None:
    everything = rated(records)
    without = rated([record for record in records if _other(removed, record)])
    assert _charges(without, removed) == []
    for account in ACCOUNTS:
        if account != removed:
            assert _charges(without, account) == _charges(everything, account)


def _changed(record: rk.Event | rk.Sample) -> rk.Event | rk.Sample:
    """The same record with other numbers: a sample's value doubled plus one, a start's memory."""
    if isinstance(record, rk.Sample):
        value = rk.units.convert(record.value, "1", "1") * 2 + 1
        return rk.Sample(
            record.account, record.resource, record.meter, record.at, value, id=record.id
        )
    attributes = dict(record.attributes)
    if "memory_mb" in attributes:
        attributes["memory_mb"] = Decimal(4096)
    return rk.Event(
        record.account, record.resource, record.at, attributes, kind=record.kind, id=record.id
    )


@settings(max_examples=LAWS // 2)
@given(streams(), st.sampled_from(ACCOUNTS))
def test_changing_an_account_changes_no_other_accounts_charges(
    records: list[rk.Event | rk.Sample], changed: str
) -> None:
    everything = rated(records)
    altered = rated([record if _other(changed, record) else _changed(record) for record in records])
    for account in ACCOUNTS:
        if account != changed:
            assert _charges(altered, account) == _charges(everything, account)
