"""Random record streams, meters and a plan shared by the laws (small inputs, many examples)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Final

from hypothesis import strategies as st
from tests._budget import LAWS as BUDGET

import ratekit as rk
from ratekit._instants import from_us

#: Examples per law: five times the laws' budget (tests/_budget.py), as these streams are
#: small; ``RATEKIT_LAW_EXAMPLES`` scales them with the rest (125 in CI).
LAWS: Final = 5 * BUDGET

HOUR: Final = 3_600_000_000
MARCH: Final = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SPAN: Final = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
T0: Final = MARCH.start_us
#: Records fall on a 6-hour grid over March and April (244 slots): ties are common.
SLOTS: Final = 244
ACCOUNTS: Final = ("acme", "beta", "corp")

RUNTIME: Final = rk.Meter("runtime", "hour", rk.OnOff(when={"state": "on"}))
MEMORY: Final = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
EGRESS: Final = rk.Meter("egress", "GB", rk.Discrete())
METERS: Final = (RUNTIME, MEMORY, EGRESS)

PLAN: Final = rk.Plan(
    "metered",
    "EUR",
    rk.cycles.monthly(tz="Europe/Zurich"),
    [
        rk.PriceEntry("runtime", "runtime", rk.PerUnit("0.0137")),
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.0000123456789")),
        rk.PriceEntry(
            "egress",
            "egress",
            rk.Graduated([rk.Tier(10, "0"), rk.Tier(1000, "0.0873"), rk.Tier(None, "0.0511")]),
        ),
    ],
    fees=[rk.Fee("base", "3.33")],
    minimums=[rk.Minimum("7.77"), rk.Minimum("1.01", meter="egress")],
)

_KINDS: Final = ("sample", "start", "stop", "delete")
_MEMORY: Final = (512, 1024, Decimal("1536.5"))

#: How many values each field of a record takes: account, resource, 6-hour slot, kind, a
#: value in thousandths (a sample's GB), state on or off, memory choice. A record is drawn
#: as one integer below the product and decoded here: one draw per record keeps the
#: generation cheap, so the laws can run thousands of examples.
_FIELDS: Final = (len(ACCOUNTS), 2, SLOTS, len(_KINDS), 5_000_000, 2, len(_MEMORY))
_CODES: Final = math.prod(_FIELDS)


def _record(index: int, code: int) -> rk.Event | rk.Sample:
    fields = []
    for size in _FIELDS:
        code, field = divmod(code, size)
        fields.append(field)
    account, resource, slot, kind, value, on, memory = fields
    when = from_us(T0 + slot * 6 * HOUR)
    who, which = ACCOUNTS[account], f"r{resource + 1}"
    if _KINDS[kind] == "sample":
        gigabytes = Decimal(value + 1).scaleb(-3)
        return rk.Sample(who, which, "egress", when, gigabytes, id=f"s{index}", kind="delta")
    attributes: dict[str, object] = {}
    if _KINDS[kind] == "start":
        attributes = {"state": "on" if on else "off", "memory_mb": _MEMORY[memory]}
    return rk.Event(who, which, when, attributes, kind=_KINDS[kind], id=f"e{index}")


def streams(max_size: int = 8) -> st.SearchStrategy[list[rk.Event | rk.Sample]]:
    """Lists of records with unique ids, over two months, three accounts, two resources."""
    return st.lists(st.integers(0, _CODES - 1), max_size=max_size).map(
        lambda codes: [_record(index, code) for index, code in enumerate(codes)]
    )


def rated(records: list[rk.Event | rk.Sample]) -> rk.Rating:
    """The records metered and rated under :data:`PLAN` over :data:`SPAN`."""
    return rk.rate(records, PLAN, span=SPAN, meters=METERS)
