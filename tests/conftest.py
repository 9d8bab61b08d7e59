"""Fixtures for all tests; the helpers live in support.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import SUITE_TODAY, Archive, epoch

# Today, for every build of the suite (clock.py): a fixed day after every date the tests write,
# so that builds compare byte for byte whatever day the suite runs on. Tests about dates set
# their own day; one test unsets it to see the clock.
os.environ["SOURCE_DATE_EPOCH"] = epoch(SUITE_TODAY)


@pytest.fixture(autouse=True)
def suite_today(monkeypatch):
    """Every test starts on the suite's day, and a day a test sets ends with it."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(SUITE_TODAY))


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    arch = Archive(tmp_path)
    arch.content.mkdir()
    return arch
