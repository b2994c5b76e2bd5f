"""The shipped search protocol and its validation."""

from __future__ import annotations

import pytest

from hairmeta.evidence.errors import DataError
from hairmeta.extractors.searches import load_protocol, validate_day


def test_shipped_protocol_has_prp_and_exosome_pubmed_searches():
    protocol = load_protocol()
    by_name = {s.name: s for s in protocol.searches}
    assert set(by_name) == {"prp", "exosomes"}
    assert all(s.source == "pubmed" for s in protocol.searches)
    assert '"Alopecia"[MeSH Terms]' in by_name["prp"].term
    assert '"Platelet-Rich Plasma"[MeSH Terms]' in by_name["prp"].term
    for needle in ('"Exosomes"[MeSH Terms]', '"Extracellular Vesicles"[MeSH Terms]', '"conditioned medium"[tiab]'):
        assert needle in by_name["exosomes"].term
    assert "\n" not in by_name["prp"].term  # white space folded for the query string


@pytest.mark.parametrize(
    "body, where",
    [
        ('[[searches]]\nname = "a"\nsource = "pubmed"\n', ":1:term: term is required"),
        ('[[searches]]\nname = "a"\nsource = "scopus"\nterm = "x"\n', ":1:source: unknown source"),
        (
            '[[searches]]\nname = "a"\nsource = "pubmed"\nterm = "x"\nsince = "2020-02-30"\n',
            ":1:since: expected YYYY-MM-DD",
        ),
        ('[review]\ntitle = "t"\n', ":searches: no [[searches]] entries"),
        ("this is = not toml [", ""),
    ],
)
def test_bad_protocol_names_file_row_and_field(tmp_path, body, where):
    path = tmp_path / "protocol.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_protocol(path)
    assert str(info.value).startswith(str(path)) and where in str(info.value)


def test_validate_day():
    assert validate_day("2024-01-05", "--since") == "2024-01-05" and validate_day(None, "x") is None
    with pytest.raises(DataError, match="--until: '2024/01/05' is not a date"):
        validate_day("2024/01/05", "--until")
