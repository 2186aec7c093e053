"""A rater built under a host's ``capitals=0`` restores its own snapshot.

``Rater()`` took the fingerprint of its plans in the caller's decimal context, and
``Rater.restore()`` in ratekit's: under ``capitals=0`` a price of 0.0000001 was written
``'1e-7'`` at the one and ``'1E-7'`` at the other, so the snapshot (and a pickle or copy
of the rater, which travels as one) was refused as "taken under other plans or meters".
"""

from __future__ import annotations

import copy
import decimal
import json
from decimal import Decimal

import ratekit as rk

PLAN = rk.Plan(
    "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "eg", rk.PerUnit("0.0000001"))]
)
EGRESS = rk.Meter("eg", "B", rk.Discrete())


def test_a_rater_built_under_lower_case_exponents_restores_its_snapshot() -> None:
    with decimal.localcontext(capitals=0):
        rater = rk.Rater(PLAN, [EGRESS], start="2026-03-01T00:00:00Z")
        rater.feed([rk.Sample("a", "r", "eg", "2026-03-02T00:00:00Z", 5, id="s")])
        data = json.loads(json.dumps(rater.snapshot()))
        restored = rk.Rater.restore(data, PLAN, [EGRESS])
        copied = copy.deepcopy(rater)
    plain = rk.Rater(PLAN, [EGRESS], start="2026-03-01T00:00:00Z")
    assert data["fingerprint"] == plain.snapshot()["fingerprint"]
    # 5 B x 0.0000001 = 0.0000005 EUR, however the rater was rebuilt.
    for again in (restored, copied):
        (line,) = again.statement("2026-04-01T00:00:00Z").lines
        assert line.amount == Decimal("5E-7")
