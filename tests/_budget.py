"""How many examples the laws get: ``RATEKIT_LAW_EXAMPLES`` (2,000 by default in CI)."""

from __future__ import annotations

import os

LAWS = int(os.environ.get("RATEKIT_LAW_EXAMPLES", "2000"))
