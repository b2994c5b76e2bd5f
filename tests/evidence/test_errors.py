"""The exception hierarchy's messages."""

from hairmeta.evidence.errors import DataError, HairmetaError, UnknownNameError


def test_data_error_names_file_row_field():
    exc = DataError("SD must be positive", file="outcomes.csv", row=7, field="sd")
    assert str(exc) == "outcomes.csv:7:sd: SD must be positive"
    assert isinstance(exc, HairmetaError)


def test_unknown_name_lists_valid_ones():
    exc = UnknownNameError("measure", "XYZ", ["MD", "SMD"])
    assert str(exc) == "unknown measure 'XYZ'; valid: MD, SMD"
