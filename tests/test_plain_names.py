"""Every name a caller gives is kept as the plain ``str`` it holds.

A ``str`` subclass (a numpy string, a ``StrEnum`` member, a caller's own class) is a
string at every door (docs/guarantees.md): its own ``__eq__``, ``__ne__`` and ``__repr__``
are never asked, and what ratekit keeps and gives back is the text it holds. One scenario
(records, meters, a plan with a selector, a condition, a level, a fee, a minimum, an
allowance, a credit, an inventory, a streaming rater, the FOCUS rows, plan data) is run
once with plain strings and once per name slot with that one name given as a hostile
subclass: every result must be the plain run's, and every string in the results a plain
``str``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

import ratekit as rk
from _hostile import HiddenInt, HiddenStr

Name = Callable[[str, str], str]
Number = Callable[[str, int], int]

#: Every whole-number slot of the scenario.
NUMBER_SLOTS = (
    "attribute number",
    "sample value",
    "fee amount",
    "minimum amount",
    "allowance quantity",
    "credit amount",
    "credit priority",
    "entry priority",
    "event seq",
)

#: Every name slot of the scenario.
SLOTS = (
    "event account",
    "event resource",
    "event id",
    "attribute key",
    "attribute value",
    "sample meter",
    "sample id",
    "meter name",
    "meter unit",
    "level",
    "condition key",
    "entry id",
    "entry meter",
    "where key",
    "where value",
    "plan id",
    "plan currency",
    "fee id",
    "minimum meter",
    "allowance meter",
    "assignment account",
    "credit id",
    "credit account",
    "credit currency",
    "inventory id",
    "inventory account",
    "inventory resource",
    "timezone",
    "focus provider",
    "focus service key",
    "focus service name",
)


def _same(slot: str, value: int) -> int:
    return value


def scenario(name: Name, number: Number = _same) -> dict[str, Any]:
    """The results of one run, each name given by ``name(slot, text)``, each whole number
    by ``number(slot, value)``."""
    vm = rk.Meter(
        name("meter name", "vm.hours"),
        name("meter unit", "hour"),
        rk.OnOff(when={name("condition key", "state"): "on"}),
    )
    memory = rk.Meter("memory", "GiB*hour", rk.Continuous(name("level", "gib")))
    egress = rk.Meter("egress", "GB", rk.Discrete())
    plan = rk.Plan(
        name("plan id", "standard"),
        name("plan currency", "EUR"),
        rk.cycles.monthly(tz=name("timezone", "Europe/Zurich")),
        [
            rk.PriceEntry(
                name("entry id", "large"),
                name("entry meter", "vm.hours"),
                rk.PerUnit("0.10"),
                where={name("where key", "flavor"): name("where value", "m1.large")},
                priority=number("entry priority", 1),
            ),
            rk.PriceEntry("memory", "memory", rk.PerUnit("0.01")),
            rk.PriceEntry("egress", "egress", rk.PerUnit("0.05")),
        ],
        allowances=[
            rk.Allowance(name("allowance meter", "egress"), number("allowance quantity", 10))
        ],
        minimums=[
            rk.Minimum(number("minimum amount", 30), meter=name("minimum meter", "vm.hours"))
        ],
        fees=[rk.Fee(name("fee id", "base"), number("fee amount", 5))],
    )
    account = name("event account", "acme")
    described = {
        name("attribute key", "flavor"): name("attribute value", "m1.large"),
        "state": "on",
        "gib": number("attribute number", 4),
    }
    records: list[Any] = [
        rk.Event(
            account,
            name("event resource", "vm-1"),
            "2026-03-02T08:00:00Z",
            described,
            kind="start",
            id=name("event id", "e1"),
            seq=number("event seq", 1),
        ),
        rk.Event("acme", "vm-1", "2026-03-02T20:00:00Z", kind="stop", id="e2"),
        rk.Event("acme", "vm-2", "2026-03-03T00:00:00Z", described, kind="start", id="e3"),
        rk.Sample(
            "acme",
            "vm-1",
            name("sample meter", "egress"),
            "2026-03-02T09:00:00Z",
            number("sample value", 25),
            id=name("sample id", "s1"),
        ),
        rk.Inventory(
            "2026-03-04T00:00:00Z",
            [(name("inventory account", "acme"), name("inventory resource", "vm-1"))],
            id=name("inventory id", "inv-4"),
            accounts=["acme"],
        ),
    ]
    assignments = [rk.Assignment(name("assignment account", "acme"), plan)]
    meters = [vm, memory, egress]
    march = rk.Span("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00")
    rating = rk.rate(records, assignments, span=march, meters=meters)
    credit = rk.Credit(
        name("credit id", "welcome"),
        name("credit account", "acme"),
        number("credit amount", 50),
        name("credit currency", "EUR"),
        "2026-03-01T00:00:00Z",
        priority=number("credit priority", 0),
    )
    invoices = rk.bill(rating, credits=[credit])
    rater = rk.Rater(assignments, meters, start="2026-03-01T00:00:00+01:00")
    rater.feed(records)
    statement = rater.statement("2026-04-01T00:00:00+02:00")
    snapshot = json.loads(json.dumps(rater.snapshot()))
    focus = rk.focus_rows(
        rating,
        provider=name("focus provider", "Example Cloud"),
        service_names={name("focus service key", "vm.hours"): name("focus service name", "VMs")},
    )
    return {
        "charges": [rk.to_row(charge) for charge in rating.charges],
        "anomalies": [rk.to_row(anomaly) for anomaly in rating.anomalies],
        "invoices": [rk.to_row(invoice) for invoice in invoices],
        "statement": [(line.role, line.kind, line.amount) for line in statement.lines],
        "closing": [rk.to_row(invoice) for invoice in statement.invoices],
        "snapshot": snapshot,
        "focus": focus,
        "plan": rk.plandata.dump(plan),
        "meters": [rk.plandata.dump(meter) for meter in meters],
        "records": [rk.to_row(record) for record in records],
        "kept": [
            (record.account, record.resource, record.id)
            for record in records
            if not isinstance(record, rk.Inventory)
        ],
    }


def _plain(slot: str, text: str) -> str:
    return text


def _strings(value: object) -> Iterator[object]:
    """Every string in ``value`` (mappings' keys too), at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


PLAIN = scenario(_plain)


def test_the_plain_run_bills_what_is_worked_by_hand() -> None:
    # vm-1 runs 08:00-20:00 on 2 March (12 h), vm-2 from 3 March 00:00 to 1 April
    # 00:00+02:00, i.e. 31 March 22:00 UTC: 28 days 22 h = 694 h; vm.hours 706 h x 0.10
    # = 70.60 (above the 30 minimum). memory 4 GiB x 706 h x 0.01 = 28.24. egress 25 GB,
    # 10 free, 15 x 0.05 = 0.75. fee 5. Subtotal 104.59, the credit of 50 pays 50: 54.59.
    # The inventory of 4 March lists vm-1 (stopped: a listing opens nothing) and, scoped
    # to acme, closes vm-2 there: vm.hours 12 + 24 = 36 h = 3.60 (a top-up to 30), memory
    # 4 x 36 x 0.01 = 1.44; subtotal 30 + 1.44 + 0.75 + 5 = 37.19, the credit pays it all.
    (invoice,) = PLAIN["invoices"]
    assert Decimal(invoice["total"]) == Decimal("0.00")
    assert Decimal(invoice["subtotal"]) == Decimal("37.19")


@pytest.mark.parametrize("slot", SLOTS)
def test_a_name_given_as_a_hostile_subclass_is_kept_as_the_text_it_holds(slot: str) -> None:
    def hostile(asked: str, text: str) -> str:
        return HiddenStr(text) if asked == slot else text

    got = scenario(hostile)
    assert got == PLAIN
    foreign = {type(text).__name__ for text in _strings(got) if type(text) is not str}
    assert not foreign, f"{slot}: results hold {foreign}"


@pytest.mark.parametrize("slot", SLOTS)
def test_a_name_given_as_a_numpy_string_is_kept_as_the_text_it_holds(slot: str) -> None:
    def numpy(asked: str, text: str) -> str:
        return np.str_(text) if asked == slot else text  # type: ignore[return-value]

    got = scenario(numpy)
    assert got == PLAIN
    assert all(type(text) is str for text in _strings(got))


@pytest.mark.parametrize("slot", NUMBER_SLOTS)
def test_a_number_given_as_a_hostile_int_subclass_is_taken_by_its_exact_value(slot: str) -> None:
    def hostile(asked: str, value: int) -> int:
        return HiddenInt(value) if asked == slot else value

    got = scenario(_plain, hostile)
    assert got == PLAIN
    assert all(type(text) is str for text in _strings(got))


SHARE_SLOTS = ("owner", "resource", "holder", "meter")


def _shared(name: Name, number: Number = _same) -> list[tuple[str, str, Decimal, Decimal]]:
    """A disk of acme's shared with beta (2 : 1), rated and billed: each invoice line."""
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("disk", "gb.hours", rk.PerUnit("0.01"))],
    )
    row = rk.UsageRow("acme", "gb.hours", "image-1", march, march, 1000, "GB*hour", {}, ())
    share = rk.Share(
        name("owner", "acme"),
        name("resource", "image-1"),
        {"acme": number("weight", 2), name("holder", "beta"): 1},
        name("meter", "gb.hours"),
    )
    assert all(type(text) is str for text in _strings([share.owner, share.resource, share.meter]))
    assert all(type(account) is str for account, _ in share.shares)
    invoices = rk.bill(rk.rate([row], plan, span=march, shares=[share]))
    return [
        (invoice.account, line.label, line.amount, line.whole)
        for invoice in invoices
        for line in invoice.lines
    ]


def test_a_share_bills_what_is_worked_by_hand() -> None:
    # 1000 GB*hour x 0.01 = 10.00, split 2 : 1: acme 6.67 (20/3 rounded), beta 3.33.
    assert [(account, amount) for account, _, amount, _ in _shared(_plain)] == [
        ("acme", Decimal("6.67")),
        ("beta", Decimal("3.33")),
    ]


@pytest.mark.parametrize("slot", SHARE_SLOTS)
def test_a_share_named_by_a_hostile_subclass_is_kept_as_the_text_it_holds(slot: str) -> None:
    def hostile(asked: str, text: str) -> str:
        return HiddenStr(text) if asked == slot else text

    assert _shared(hostile) == _shared(_plain)


def test_a_share_weighted_by_a_hostile_int_subclass_is_taken_by_its_value() -> None:
    assert _shared(_plain, lambda slot, value: HiddenInt(value)) == _shared(_plain)
