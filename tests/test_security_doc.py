"""docs/security.md names, for every requirement, the test that proves it: each named test must
exist, so that the page cannot silently drift from the test suite."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`([\w./-]*)::(\w+)`")
ABBREVIATION = re.compile(r"`(\w+)`\s*=\s*`(tests/[\w/]+\.py)`")


def _test_files(name: str, abbreviations: dict[str, str], previous: list[Path]) -> list[Path]:
    """The files a reference may point at: ``::test`` continues the previous file of the line,
    an abbreviation or a path names one, a bare file name may match several folders."""
    if not name:
        return previous
    if name in abbreviations:
        return [ROOT / abbreviations[name]]
    if "/" in name:
        return [ROOT / name]
    return sorted((ROOT / "tests").rglob(name))


def test_every_test_the_security_page_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    abbreviations = dict(ABBREVIATION.findall(text))
    missing: list[str] = []
    checked = 0
    for line in text.splitlines():
        previous: list[Path] = []
        for file_name, test_name in REFERENCE.findall(line):
            paths = [
                path for path in _test_files(file_name, abbreviations, previous) if path.is_file()
            ]
            if not paths:
                missing.append(f"{file_name}::{test_name} (no such test file)")
                continue
            previous = paths
            definition = re.compile(rf"def {re.escape(test_name)}\(")
            if not any(definition.search(path.read_text(encoding="utf-8")) for path in paths):
                missing.append(f"{file_name}::{test_name}")
            checked += 1

    assert checked > 50
    assert missing == []
