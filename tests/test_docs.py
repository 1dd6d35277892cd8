"""The README stays short and leads to every document in docs/; their links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _local_links(document: Path) -> list[str]:
    return [
        target
        for target in _LINK.findall(document.read_text(encoding="utf-8"))
        if "://" not in target
    ]


def test_the_readme_is_under_eight_kilobytes() -> None:
    size = len(README.read_bytes())

    assert size < 8 * 1024, f"README.md is {size} bytes; move detail to docs/"


def test_the_readme_links_every_document_in_docs() -> None:
    linked = {(ROOT / target).resolve() for target in _local_links(README)}

    assert DOCS, "docs/ holds no documents"
    assert [doc.name for doc in DOCS if doc.resolve() not in linked] == []


def test_every_document_says_first_who_it_is_for() -> None:
    openings = {doc.name: doc.read_text(encoding="utf-8").split("\n\n")[1] for doc in DOCS}

    assert {name: text for name, text in openings.items() if not text.startswith("*For ")} == {}


def test_every_local_link_in_the_readme_and_docs_leads_to_a_file() -> None:
    broken = [
        f"{document.name} -> {target}"
        for document in [README, *DOCS]
        for target in _local_links(document)
        if not (document.parent / target).exists()
    ]

    assert broken == []
