"""docs/architecture.md's table of modules names every module of the package.

A module added without a row leaves the map of the code wrong without a word; a row
left after its module went names what is not there. The table's first cell names one
module or several (`_regimes.py`, `_allowances.py`); the adapters share one row.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "ratekit"


def _listed() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    cells = re.findall(r"^\| ([^|]+) \|", text, flags=re.MULTILINE)
    return {name for cell in cells for name in re.findall(r"`([\w/]+\.py|adapters/)`", cell)}


def test_every_module_has_a_row() -> None:
    listed = _listed()
    modules = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    }
    missing = sorted(
        module
        for module in modules
        if module not in listed and not (module.startswith("adapters/") and "adapters/" in listed)
    )
    assert missing == [], f"docs/architecture.md has no row for {missing}"


def test_every_row_names_a_module() -> None:
    stale = sorted(
        name for name in _listed() if name != "adapters/" and not (PACKAGE / name).exists()
    )
    assert stale == [], f"docs/architecture.md names modules that are not there: {stale}"
