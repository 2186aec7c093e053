"""The Performance page's scale-out example runs as the script a reader makes of it.

Dask starts a ``LocalCluster``'s workers by running the main module again: the page's
example, pasted into a script at module level, started a cluster from each worker too
("Nanny failed to start", "An attempt has been made to start a new process before the
current process has finished its bootstrapping phase"). Run on two worker processes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = """\
import ratekit as rk

march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
meters = [rk.Meter("runtime", "hour", rk.OnOff())]
plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "runtime", rk.PerUnit("0.5"))])
records = [rk.Event(f"acct{i}", "vm", "2026-03-02T00:00:00Z", kind="start") for i in range(6)]
"""

CHECK = """
if __name__ == "__main__":
    assert rating.charges == rk.rate(records, plan, span=march, meters=meters).charges
    assert invoices == rk.bill(rk.rate(records, plan, span=march, meters=meters))
    client.close()
    print("equal")
"""


def _example() -> str:
    page = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    section = page[page.index("## Scaling out by account") :]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


def test_the_scale_out_example_runs_as_a_script(tmp_path: Path) -> None:
    script = tmp_path / "scale_out.py"
    script.write_text(PRELUDE + _example() + CHECK, encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(script)],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "equal"
