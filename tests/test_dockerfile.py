"""The Dockerfile is checked statically: no Docker engine runs in CI."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCKERFILE = Path(__file__).resolve().parents[1] / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    result = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def test_final_image_is_slim_python_run_by_a_non_root_user() -> None:
    steps = instructions()
    final_stage = steps[max(i for i, (kw, _) in enumerate(steps) if kw == "FROM") :]

    assert final_stage[0] == ("FROM", "python:3.11-slim")
    users = [args for kw, args in final_stage if kw == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"0", "root"}


def test_image_keeps_data_in_a_volume_checks_health_and_runs_the_bot() -> None:
    steps = dict(instructions())

    assert steps["VOLUME"] == '["/data"]'
    assert "DROGOWSKAZ_DATA_DIR=/data" in steps["ENV"]
    assert '"drogowskaz", "health"' in steps["HEALTHCHECK"]
    assert steps["CMD"] == '["drogowskaz", "run"]'


def test_image_installs_runtime_dependencies_only() -> None:
    runs = " ".join(args for kw, args in instructions() if kw == "RUN")

    assert ".[postgres]" in runs
    assert "[test]" not in runs
    assert "pytest" not in runs


def test_image_has_the_font_posters_are_laid_out_in() -> None:
    steps = instructions()
    final_stage = steps[max(i for i, (kw, _) in enumerate(steps) if kw == "FROM") :]
    runs = " ".join(args for kw, args in final_stage if kw == "RUN")

    assert "fonts-dejavu-core" in runs


def test_the_python_the_image_runs_at_build_runs(tmp_path: Path) -> None:
    """The image's build steps call the package by name; a rename would break the image only
    when somebody builds it, so the same code runs here (into a temporary directory)."""
    runs = " ".join(args for kw, args in instructions() if kw == "RUN")
    snippets = re.findall(r'python -c "([^"]+)"', runs)
    environment = {**os.environ, "DROGOWSKAZ_PLACES_CACHE_DIR": str(tmp_path)}

    for snippet in snippets:
        subprocess.run(  # noqa: S603 - the Dockerfile's own code, this interpreter
            [sys.executable, "-c", snippet], env=environment, check=True, cwd=tmp_path
        )

    assert snippets
    assert list(tmp_path.iterdir())  # the bundled places' index was built where it was told


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if hadolint is None:
        pytest.skip("hadolint is not installable on this platform")

    result = subprocess.run(  # noqa: S603 - our own Dockerfile through a pinned linter
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
