"""The package's import contract (pyproject.toml, [tool.importlinter]) holds,
and the checker really catches an import against the layers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_layers_are_kept() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_against_the_layers_breaks_the_contract(tmp_path: Path) -> None:
    # The same package judged by a contract that puts the model layer above
    # storage: storage imports the model layer (features), so this must break.
    config = tmp_path / "reversed.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_package = "clustering"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "reversed"\n'
        'type = "layers"\n'
        'layers = ["clustering.ml", "clustering.storage"]\n',
        encoding="utf-8",
    )
    result = lint_imports("--config", str(config))
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "clustering.storage" in result.stdout
