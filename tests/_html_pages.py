"""An HTML view read back as a browser would, for the tests that preview invoices.

`parsed(page)` gives the tags, attributes, text and table rows a page holds, so that a
test checks what the HTML shows (every caller's value escaped: `EVIL` comes back as
text, never a tag or an attribute) rather than its bytes.
"""

from __future__ import annotations

import html.parser

#: A caller's name that would be markup if it were not escaped.
EVIL = "<img src=x onerror=alert(1)>'\"&amp;"
#: The tags ratekit's views write; any other found is the caller's markup let through.
SAFE_TAGS = frozenset(
    {
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "b",
        "small",
        "br",
        "caption",
        "span",
        "style",
    }
)


class Page(html.parser.HTMLParser):
    """What a page holds: its tags, attributes, text and rows (each ``(class, cells)``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.rows: list[tuple[str | None, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += attrs
        if tag == "tr":
            self.rows.append((dict(attrs).get("class"), []))
        if tag == "td" and self.rows:
            self.rows[-1][1].append("")

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.rows and self.rows[-1][1]:
            self.rows[-1][1][-1] += data


def parsed(page: str) -> Page:
    reader = Page()
    reader.feed(page)
    reader.close()
    return reader
