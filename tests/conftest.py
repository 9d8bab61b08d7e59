"""Fixtures for all tests; the helpers live in support.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import Archive


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    arch = Archive(tmp_path)
    arch.content.mkdir()
    return arch
