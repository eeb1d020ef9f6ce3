"""Saved audiences: named filter sets kept outside the warehouse.

The daily refresh replaces the warehouse file whole, so an audience saved in
it would vanish with the next publish. They live in their own JSON file
(by default warehouse/app/audiences.json beside the warehouse), written to a
temporary file and renamed over, under a lock: two marketers saving at once
both keep their audience, and a crash mid-write leaves the previous file.
An audience stores its filters, not its members: re-running it on a later
day gives that day's members.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from clustering.app.audience import AudienceFilter, Choices, check_filter
from clustering.errors import AudienceError

MAX_NAME = 80
MAX_AUDIENCES = 500
# Letters (any script), digits, spaces and a little punctuation: a name is
# shown in lists and used in download file names.
_NAME = re.compile(r"[\w][\w .,()+&'-]*", re.UNICODE)


@dataclass(frozen=True)
class SavedAudience:
    name: str
    saved_at: str
    filters: dict[str, object]


def check_name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise AudienceError("give the audience a name")
    name = " ".join(raw.split())
    if len(name) > MAX_NAME:
        raise AudienceError(f"a name of {len(name):,} characters; at most {MAX_NAME}")
    if not _NAME.fullmatch(name):
        raise AudienceError("a name may hold letters, digits, spaces and . , ( ) + & ' - only")
    return name


class AudienceStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, dict]:
        if not self.path.is_file():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise AudienceError(
                f"the saved audiences file {self.path} cannot be read ({error}); "
                "restore it from a backup or move it away to start afresh"
            ) from error
        return raw if isinstance(raw, dict) else {}

    def _write(self, entries: dict[str, dict]) -> None:
        """Beside, then renamed over: a crash mid-write leaves the previous file."""
        partial = self.path.with_name(f".{self.path.name}.partial")
        partial.write_text(json.dumps(entries, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(partial, self.path)

    def list(self) -> list[SavedAudience]:
        return [
            SavedAudience(name, str(entry.get("saved_at", "")), dict(entry.get("filters", {})))
            for name, entry in sorted(self._read().items(), key=lambda item: item[0].lower())
        ]

    def get(self, name: str) -> SavedAudience | None:
        entry = self._read().get(name)
        if entry is None:
            return None
        return SavedAudience(name, str(entry.get("saved_at", "")), dict(entry.get("filters", {})))

    def save(self, name: object, audience: AudienceFilter) -> SavedAudience:
        """Save (or replace) `name`; the filters were checked by check_filter."""
        checked = check_name(name)
        with self._locked():
            entries = self._read()
            if checked not in entries and len(entries) >= MAX_AUDIENCES:
                raise AudienceError(
                    f"{MAX_AUDIENCES} audiences are saved already; delete some first"
                )
            saved_at = datetime.now().replace(microsecond=0).isoformat(sep=" ")
            entries[checked] = {"saved_at": saved_at, "filters": audience.to_json()}
            self._write(entries)
        return SavedAudience(checked, saved_at, audience.to_json())

    def delete(self, name: str) -> None:
        with self._locked():
            entries = self._read()
            if entries.pop(name, None) is not None:
                self._write(entries)


def rerun(saved: SavedAudience, choices: Choices) -> AudienceFilter:
    """A saved audience's filters, checked against today's data: a segment
    renamed or gone since it was saved is named in the error."""
    return check_filter(saved.filters, choices)
