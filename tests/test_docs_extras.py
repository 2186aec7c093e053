"""A concept page whose examples need an optional extra says so at its top."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"

#: What in a page's examples needs which extra.
NEEDS = {
    "cron": re.compile(r"windows\.cron\(|CronWindow"),
    "pandas": re.compile(r"_frame\(|to_frame\(\)"),
    "strategies": re.compile(r"from ratekit import strategies|import hypothesis|from hypothesis"),
}


def _extras_named_at_the_top(text: str) -> set[str]:
    top = "\n".join(text.splitlines()[:12])
    named: set[str] = set()
    for group in re.findall(r"pip install 'ratekit\[([a-z,]+)\]'", top):
        named.update(group.split(","))
    return named


def _examples(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.startswith((">>>", "...")))


@pytest.mark.parametrize("page", sorted(path.name for path in DOCS.glob("*.md")))
def test_a_page_names_at_its_top_the_extras_its_examples_need(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    needed = {extra for extra, used in NEEDS.items() if used.search(_examples(text))}
    assert needed <= _extras_named_at_the_top(text), (page, needed)


def test_the_pages_the_issue_named_need_extras() -> None:
    # calendars and pricing use cron windows, time hypothesis, exports cron and pandas,
    # experiments pandas and hypothesis: the check above does look at them
    for page, extras in {
        "calendars.md": {"cron"},
        "pricing.md": {"cron"},
        "time.md": {"strategies"},
        "exports.md": {"cron", "pandas"},
        "experiments.md": {"pandas", "strategies"},
    }.items():
        text = _examples((DOCS / page).read_text(encoding="utf-8"))
        assert {extra for extra, used in NEEDS.items() if used.search(text)} == extras, page
