"""Paths the tests share: the repository, the test tree, its reference values and data files."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
REFERENCE = TESTS / "reference"
TEST_DATA = TESTS / "data"
