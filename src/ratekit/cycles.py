"""Billing cycles and recurring windows, computed in an explicit timezone.

(Being built: see docs/architecture.md for the contract.)
"""

from __future__ import annotations

__all__: list[str] = []
