"""A host that changed ``decimal.DefaultContext`` before importing ratekit changes nothing.

``decimal.Context(prec=60, ...)`` copies every field it is not given from
``DefaultContext``: ratekit's own contexts (the level floors a rater checks levels
against, the exact contexts of sums, digests and FOCUS products) took the host's
``Emin``, ``clamp`` and traps. With ``Inexact`` trapped in ``DefaultContext``,
``rk.Rater(plan, [storage])`` raised a bare ``decimal.Inexact`` from the floor of a
level (1E+30 / 744 h does not terminate). Each is now built with every field given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_HOST = """
import decimal
D = decimal.DefaultContext
D.prec, D.rounding, D.Emin, D.Emax, D.clamp = 3, decimal.ROUND_FLOOR, -20, 20, 1
for trap in (decimal.Inexact, decimal.Rounded, decimal.FloatOperation, decimal.Subnormal,
             decimal.Underflow, decimal.Clamped):
    D.traps[trap] = True
decimal.setcontext(decimal.Context())
"""

_CALLS = """
import ratekit as rk
march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
storage = rk.Meter("storage", "GB*hour", rk.Continuous("size_gb"))
plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"),
               [rk.PriceEntry("s", "storage", rk.PerUnit("0.0001"))], fees=[rk.Fee("f", "3.33")])
records = [rk.Event("acme", "vol", "2026-03-01T00:00:00Z", {"size_gb": 200}, kind="start", id="e1"),
           rk.Event("acme", "vol", "2026-03-16T00:00:00Z", kind="stop", id="e2")]
rater = rk.Rater(plan, [storage], start=march.start)
rater.feed(records)
statement = rater.statement(march.end)
print([str(line.amount) for line in statement.lines])
print(rater.snapshot()["checksum"])
rating = rk.rate(records, plan, span=march, meters=[storage])
print(rk.bill(rating)[0])
print(rk.to_rows(rating.charges), rk.focus_rows(rating, provider="x"))
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )


def test_a_changed_default_context_changes_no_output() -> None:
    plain = _run(_CALLS)
    hosted = _run(_HOST + _CALLS)
    assert plain.returncode == 0, plain.stderr
    # 200 GB x 360 h (1st to 16th) = 72000 GB*hour x 0.0001 = 7.2; the fee 3.33.
    assert "'7.2000'" in plain.stdout
    assert "'3.33'" in plain.stdout
    assert (hosted.returncode, hosted.stdout, hosted.stderr) == (0, plain.stdout, "")
