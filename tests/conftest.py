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


# The files that take longest run first. pytest-xdist (`make test`: `--dist loadfile
# --no-loadscope-reorder`) hands whole files to its two processes in collection order; a long file
# handed out last keeps one core busy alone at the end while the other has nothing left to do.
# Longest first is the classic remedy (LPT scheduling); the rest keep pytest's order. Figures:
# the files' seconds in a fresh-clone run of 2026-12-07, 16:18 UTC (89 s down to 12 s).
LONGEST_FIRST = (
    "test_hardening_faults.py",
    "test_wheel.py",
    "test_cms_browser.py",
    "test_hardening_content.py",
    "test_layout.py",
    "test_hardening_serve.py",
    "test_engine_equivalence.py",
    "test_serve.py",
    "test_search_index.py",
    "test_accessibility.py",
    "test_init.py",
    "test_validation.py",
    "test_english.py",
    "test_hostile_sizes.py",
    "test_images_browser.py",
    "test_bad_input.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file keeps its order
