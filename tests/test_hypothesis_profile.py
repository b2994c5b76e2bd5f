"""Every property test is deterministic: conftest loads a derandomized profile with no example
database, so a run never depends on examples saved by an earlier one (issue 12)."""

from hypothesis import settings


def test_profile_is_derandomized_without_a_database():
    assert settings.default.derandomize is True
    assert settings.default.database is None
