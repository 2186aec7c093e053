"""How many examples the laws get: at least 2,000 in CI, more for a long run.

``RATEKIT_LAW_EXAMPLES`` scales it (a small number while developing, a large one for a
thorough run). Each law's inputs stay small, so the whole check stays fast.
"""

from __future__ import annotations

import os

LAWS = int(os.environ.get("RATEKIT_LAW_EXAMPLES", "2000"))
