"""The scale-out's law: any cut of the records into parts gives one process's result, or a refusal.

Records are cut into partitions of any sizes (empty ones, one account per partition,
one account cut across two), rated with ``shuffle=False`` (each partition one part, as
given) and with ``shuffle=True`` (regrouped by account), with shares across accounts,
an ``as_of``, listed accounts and invoices per resource in a timezone. The oracle is
``rk.rate`` and ``rk.bill`` of every record in one process: the same charges, usage
rows, anomalies (grouped by part, so compared as a multiset), ``no_effect`` and
invoices. An account whose records sit in two partitions without a shuffle is refused
with ``SplitAccountError`` naming it, never billed twice; with a shuffle it is rated once.

The parts run in this process on `ListBag` (a bag's partitions as lists), so the whole
of ``rate_by_account`` and ``bill_by_account`` runs (routing, the wire form, the merge)
without a scheduler.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests.laws.streams import ACCOUNTS, HOUR, METERS, PLAN, SPAN, T0, streams
from tests.test_scaleout_inventories import ListBag

import ratekit as rk
from ratekit._instants import from_us
from ratekit.scaleout import bill_by_account, rate_by_account

#: At most one share per owner's resource (two at once are refused by one process too).
SHARES = st.dictionaries(
    st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(["r1", "r2"])),
    st.dictionaries(st.sampled_from(ACCOUNTS), st.integers(1, 3), min_size=1, max_size=3),
    max_size=2,
).map(
    lambda drawn: [rk.Share(owner, resource, parts) for (owner, resource), parts in drawn.items()]
)


@settings(max_examples=max(LAWS // 10, FLOOR))
@given(
    records=streams(10),
    cut=st.lists(st.integers(0, 3), max_size=10),
    parts=st.integers(1, 4),
    shares=SHARES,
    as_of=st.none() | st.integers(0, 243),
    listed=st.none() | st.lists(st.sampled_from(ACCOUNTS), unique=True),
    by_resource=st.booleans(),
    tz=st.sampled_from([None, "Asia/Kolkata"]),
)
def test_any_cut_into_parts_gives_one_process_result_or_refuses_a_split_account(
    *,
    records: list[rk.Event | rk.Sample],
    cut: list[int],
    parts: int,
    shares: list[rk.Share],
    as_of: int | None,
    listed: list[str] | None,
    by_resource: bool,
    tz: str | None,
) -> None:
    # Record i goes to partition cut[i] (0 when cut is short): any sizes, any accounts.
    partitions: list[list[Any]] = [[] for _ in range(parts)]
    for index, record in enumerate(records):
        partitions[(cut[index] if index < len(cut) else 0) % parts].append(record)
    holders = [{r.account for r in partition} for partition in partitions]
    split = sorted(a for a in ACCOUNTS if sum(a in held for held in holders) > 1)
    options: dict[str, Any] = {
        "span": SPAN,
        "meters": METERS,
        "as_of": None if as_of is None else from_us(T0 + as_of * 6 * HOUR + 3 * HOUR),
        "accounts": listed,
    }
    want = rk.rate(records, PLAN, shares=shares, **options)
    want_invoices = rk.bill(want, by_resource=by_resource, tz=tz)
    for shuffle in (False, True):
        bag = ListBag(partitions)
        billing = {"by_resource": by_resource, "tz": tz, "shuffle": shuffle}
        if split and not shuffle:
            with pytest.raises(rk.SplitAccountError) as error:
                rate_by_account(bag, PLAN, shares=shares, **options, **billing)
            assert repr(split[0]) in str(error.value)
            with pytest.raises(rk.SplitAccountError):
                bill_by_account(bag, PLAN, **options, **billing)
            continue
        rating, invoices = rate_by_account(bag, PLAN, shares=shares, **options, **billing)
        assert rating.charges == want.charges
        assert rating.rows == want.rows
        assert Counter(map(repr, rating.anomalies)) == Counter(map(repr, want.anomalies))
        assert rating.no_effect == want.no_effect
        assert invoices == want_invoices
        assert [i.total for i in invoices] == [i.total for i in want_invoices]
        if not shares:  # bill_by_account refuses shares (their charges stay in the parts)
            alone = rk.bill(rk.rate(records, PLAN, **options), by_resource=by_resource, tz=tz)
            bills, anomalies, no_effect = bill_by_account(bag, PLAN, **options, **billing)
            assert bills == alone
            assert Counter(map(repr, anomalies)) == Counter(map(repr, want.anomalies))
            assert no_effect == want.no_effect
