"""ruff and mypy are part of the suite: the code stays clean on every change."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_tool(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own linters on our own tree
        [sys.executable, "-m", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_nothing() -> None:
    result = run_tool("ruff", "check", "--output-format", "concise", ".")

    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted() -> None:
    result = run_tool("ruff", "format", "--check", ".")

    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_finds_nothing() -> None:
    result = run_tool("mypy")

    assert result.returncode == 0, result.stdout + result.stderr


def test_vulture_finds_no_dead_code() -> None:
    """Nothing unused and nothing only the tests use (its settings: pyproject.toml)."""
    result = run_tool("vulture")

    assert result.returncode == 0, result.stdout + result.stderr


def test_core_never_imports_telegram() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "catalog").rglob("*.py")
        if "import telegram" in path.read_text(encoding="utf-8")
        or "from telegram" in path.read_text(encoding="utf-8")
    ]

    assert offenders == []
