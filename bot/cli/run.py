"""`drogowskaz run` sub-commands."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:  # noqa: ARG001 - filled in by its issue
    """Add the sub-commands of this module to the parser."""
    _ = argparse
