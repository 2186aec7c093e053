"""A str subclass that says it equals anything: hostile text for the doors' tests.

Its ``==`` is always true and it hashes as 0, so a door that compares or looks it up by
its own equality (``x in choices``, ``x == "days"``) instead of the text it holds
would take ``Always("bogus")`` for any choice.
"""

from __future__ import annotations


class Always(str):
    """Text that says it equals anything, and hashes as 0."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0
