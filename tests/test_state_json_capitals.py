"""A metering state written under a host's ``capitals=0`` is the state written under any other.

``ResourceState.to_json()`` ran in the caller's decimal context: under ``capitals=0`` it
wrote a reading of ``1E+2`` as ``'1e+2'``, and the digest by which the next call knows a
replay from its content was taken of ``'1e+2'`` where metering takes it of ``'1E+2'``.
Carried to the next day, the same reading replayed was not known: 100 B were metered
again, as a late row of 100 B on the day before.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
D1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
D2 = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
EGRESS = rk.Meter("eg", "B", rk.Discrete())


def _carried(capitals: int) -> tuple[list[object], rk.Usage]:
    reading = rk.Sample("a", "r1", "eg", "2026-03-01T10:00:00Z", "100")
    first = rk.meter([reading], [EGRESS], span=D1, cycle=DAILY, as_of=D1.end)
    with decimal.localcontext(capitals=capitals):
        written = [json.loads(json.dumps(s.to_json())) for s in first.state]
        state = [rk.ResourceState.from_json(data) for data in written]
    again = rk.meter([reading], [EGRESS], span=D2, cycle=DAILY, as_of=D2.end, state=state)
    return written, again


def test_a_state_written_under_lower_case_exponents_knows_its_replays() -> None:
    written, again = _carried(capitals=0)
    # The 100 B of the 1st were metered on the 1st; the replay on the 2nd adds 0 B.
    assert again.total() == Decimal(0)
    assert again.late == ()
    assert written == _carried(capitals=1)[0]
