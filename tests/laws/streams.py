"""Random record streams, meters and a plan shared by the laws (small inputs, many examples)."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Final

from hypothesis import strategies as st

import ratekit as rk
from ratekit._instants import from_us

#: Examples per law in CI; a long run scales it (``RATEKIT_LAW_EXAMPLES=20000``).
LAWS: Final = int(os.environ.get("RATEKIT_LAW_EXAMPLES", "2000"))

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

_quantities = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal(5000), places=3, allow_nan=False
)


@st.composite
def _record(draw: st.DrawFn, index: int) -> rk.Event | rk.Sample:
    account = draw(st.sampled_from(ACCOUNTS))
    resource = draw(st.sampled_from(("r1", "r2")))
    when = from_us(T0 + draw(st.integers(0, SLOTS - 1)) * 6 * HOUR)
    if draw(st.booleans()):
        return rk.Sample(
            account, resource, "egress", when, draw(_quantities), id=f"s{index}", kind="delta"
        )
    kind = draw(st.sampled_from(("start", "stop", "delete")))
    attributes = {}
    if kind == "start":
        attributes = {
            "state": draw(st.sampled_from(("on", "off"))),
            "memory_mb": draw(st.sampled_from((512, 1024, Decimal("1536.5")))),
        }
    return rk.Event(account, resource, when, attributes, kind=kind, id=f"e{index}")


@st.composite
def streams(draw: st.DrawFn, max_size: int = 8) -> list[rk.Event | rk.Sample]:
    """A list of records with unique ids, over two months, three accounts, two resources."""
    size = draw(st.integers(0, max_size))
    return [draw(_record(index)) for index in range(size)]


def rated(records: list[rk.Event | rk.Sample]) -> rk.Rating:
    """The records metered and rated under :data:`PLAN` over :data:`SPAN`."""
    return rk.rate(records, PLAN, span=SPAN, meters=METERS)
