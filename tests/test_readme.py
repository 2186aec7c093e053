"""The README shows what the quickstart prints; keep the two in step."""

from __future__ import annotations

import contextlib
import io
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _quickstart_output() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(ROOT / "examples" / "quickstart.py"), run_name="__main__")
    return out.getvalue()


def test_readme_shows_exactly_what_the_quickstart_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("and prints:\n\n```\n", 1)[1].split("```", 1)[0]
    assert _quickstart_output().rstrip("\n") == shown.rstrip("\n")


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```bash\n")[1:3]
    quickstart, check = (block.split("\n```", 1)[0].strip() for block in blocks)
    assert quickstart.endswith("examples/quickstart.py")
    assert check.endswith("scripts/check.py")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == check


def test_the_first_look_prints_the_invoice_on_local_dates_as_the_quickstart_does() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## A first look\n\n```python\n", 1)[1].split("```", 1)[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "README.md", "exec"), {})  # the README's own code
    printed = out.getvalue().splitlines()
    # the header the quickstart prints too, not the cycle's UTC instants
    assert printed[:2] == [
        "30 days, 23:00:00",
        "Invoice acme, 2026-03-01 .. 2026-04-01 (Europe/Zurich), EUR",
    ]
    # 12 hours (08:00 to 20:00) at 0.05 EUR = 0.60 EUR
    assert "  vm.hours · vm   12 hour        0.05    0.60" in printed
    assert printed[-1].split() == ["total", "0.60"]
