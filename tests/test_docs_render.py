"""The built API reference renders: no literal Sphinx roles, no examples in blockquotes.

Reads every page of the strictly built reference (``mkdocs build --strict``: the check's
own build, or one made once for the whole run) as a browser would see its text:

- a Sphinx role (``:class:`Span```, ``:func:``, ``:attr:``, ``:meth:``, ``:data:``,
  ``:mod:``, ``:exc:``, ``:obj:``, ``:const:``) printed literally is a cross-reference
  that did not become a link;
- a ``>>>`` prompt inside a ``<blockquote>`` is a docstring example that Markdown read as
  nested quotes instead of code;
- a cross-reference left as text (``[`Span`][ratekit.Span]``) is a link autorefs could
  not resolve;
- and, the other way round, the examples must be there as highlighted code.

Slow when run alone (one docs build, about a minute): it is the build's own check.
"""

from __future__ import annotations

import fcntl
import functools
import html.parser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# In the built page a role's backticks have become <code>: ":class:Span" is left as text.
ROLE = re.compile(r":(?:py:)?(?:class|func|attr|meth|data|mod|exc|obj|const):(?=[`\w~])")
LEFT_REFERENCE = re.compile(r"\[`?[\w.()~]+`?\]\[[\w.]+\]")


class _Page(html.parser.HTMLParser):
    """The visible text of a page, and the text found inside blockquotes."""

    def __init__(self) -> None:
        super().__init__()
        self.quote_depth = 0
        self.skip = 0
        self.text: list[str] = []
        self.quoted: list[str] = []
        self.deep_quotes = 0  # text inside blockquotes nested 2 deep or more: ">>>" read as quotes
        self.code_prompts = 0
        self.code_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self.quote_depth += 1
        elif tag in ("script", "style"):
            self.skip += 1
        elif tag in ("pre", "code"):
            self.code_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self.quote_depth -= 1
        elif tag in ("script", "style"):
            self.skip -= 1
        elif tag in ("pre", "code"):
            self.code_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.text.append(data)
        if self.quote_depth:
            self.quoted.append(data)
        if self.quote_depth >= 2 and data.strip():
            self.deep_quotes += 1
        if self.code_depth and ">>>" in data:
            self.code_prompts += 1


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The strictly built site: the check's own build, or one build shared by the workers.

    ``scripts/check.py`` builds the docs strictly before the tests and names the site in
    ``RATEKIT_BUILT_SITE``; without it the first worker to ask builds the site, under a
    lock, into the run's shared temporary directory, and the others read that build.
    """
    built = os.environ.get("RATEKIT_BUILT_SITE")
    if built:
        return Path(built)
    root = tmp_path_factory.getbasetemp()
    # a worker's directory is one of the run's (fresh each run), which the workers share
    shared = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    out = shared / "docs-site"
    with (shared / "docs-site.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "built").exists():
            env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_MKDOCS_2_WARNING": "1"}
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "mkdocs",
                    "build",
                    "--strict",
                    "--quiet",
                    "--site-dir",
                    str(out),
                ],
                cwd=ROOT,
                env=env,
                check=True,
            )
            (out / "built").touch()
    return out


def _pages(site: Path) -> list[Path]:
    pages = sorted((site / "reference").rglob("*.html"))
    assert pages, "the built site has no reference page"
    return pages


@functools.cache  # each page is parsed once for the four tests
def _read(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_no_literal_sphinx_roles(site: Path) -> None:
    found = []
    for page in _pages(site):
        text = "".join(_read(page).text)
        found.extend(
            f"{page.relative_to(site)}: ...{text[max(0, m.start() - 40) : m.end() + 40]}..."
            for m in ROLE.finditer(text)
        )
    assert not found, f"{len(found)} Sphinx roles print literally:\n" + "\n".join(found[:20])


def test_no_examples_in_blockquotes(site: Path) -> None:
    # Markdown reads ">>> x" as three nested quotes around "x": the prompts vanish and the
    # lines run together, so the defect shows as text inside nested blockquotes (or a
    # prompt that survived inside one).
    found = []
    for page in _pages(site):
        parsed = _read(page)
        quoted = "".join(parsed.quoted)
        if parsed.deep_quotes or ">>>" in quoted:
            found.append(f"{page.relative_to(site)}: ...{quoted.strip()[:120]}...")
    assert not found, "docstring examples render as blockquotes:\n" + "\n".join(found)


def test_no_cross_reference_left_as_text(site: Path) -> None:
    found = []
    for page in _pages(site):
        text = "".join(_read(page).text)
        found += [f"{page.relative_to(site)}: {m.group()}" for m in LEFT_REFERENCE.finditer(text)]
    assert not found, "cross-references autorefs did not resolve:\n" + "\n".join(found[:20])


def test_examples_render_as_code(site: Path) -> None:
    prompts = sum(_read(page).code_prompts for page in _pages(site))
    assert prompts > 50, f"only {prompts} '>>>' prompts inside code blocks in the reference"
