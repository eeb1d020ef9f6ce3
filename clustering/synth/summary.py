"""What a generation run wrote, for manifests and for tests of the loader."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class GenerationSummary:
    """Counts of what ``generate`` wrote.

    ``rows`` counts data records per file (faulty and blank records included,
    header excluded). ``injected`` maps file -> reason -> number of injected
    faulty records. ``spreadsheet_date_rows`` counts valid rows whose dates
    are written as ``m/d/yyyy h:mm``; ``crlf_bom_files`` lists files written
    with CRLF endings and a byte-order mark; ``geolocation_outside_brazil``
    counts geolocation rows outside the box that contains Brazil.
    """

    scale: float
    seed: int
    faults: int
    rows: dict[str, int] = field(default_factory=dict)
    injected: dict[str, dict[str, int]] = field(default_factory=dict)
    spreadsheet_date_rows: dict[str, int] = field(default_factory=dict)
    crlf_bom_files: list[str] = field(default_factory=list)
    geolocation_outside_brazil: int = 0

    def injected_total(self, reason: str | None = None) -> int:
        """Injected faulty records in all files, optionally for one reason."""
        return sum(
            n
            for per_file in self.injected.values()
            for r, n in per_file.items()
            if reason in (None, r)
        )

    def to_json(self) -> str:
        """Stable JSON (sorted keys) for a ``--manifest`` file."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)
