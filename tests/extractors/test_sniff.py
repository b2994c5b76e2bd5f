"""Encoding, line-ending and format detection (extractors.sniff).

Oracle: hand-made byte strings whose encoding and format are known by construction.
"""

import pytest

from hairmeta.extractors import sniff

RIS = "TY  - JOUR\nTI  - Café au lait\nER  - \n"


@pytest.mark.parametrize(
    "raw, encoding",
    [
        (RIS.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + RIS.encode("utf-8"), "utf-8-sig"),
        (RIS.encode("utf-16"), "utf-16"),
        (b"\xfe\xff" + RIS.encode("utf-16-be"), "utf-16"),
        (RIS.encode("cp1252"), "cp1252"),
    ],
)
def test_decodings_give_the_same_text(raw, encoding):
    assert sniff.decode(raw) == (RIS, encoding)


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_crlf_and_bare_cr_become_lf(ending):
    assert sniff.decode(RIS.replace("\n", ending).encode())[0] == RIS


@pytest.mark.parametrize(
    "text, fmt",
    [
        ("\n\nTY  - JOUR\nER  - \n", "ris"),
        ("1.\nTY  - JOUR\nER  -\n", "ris"),
        ("Record #1 of 2\nProvider: John Wiley & Sons, Ltd.\n\nTY  -  JOUR\n", "ris"),
        ("\nPMID- 123\nTI  - x\n", "nbib"),
        ("@ARTICLE{Li2020,\ntitle={x}}\n", "bibtex"),
        ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\n", "wos"),
        ("PT J\nAU Smith, J\nTI A title\nER\n", "wos"),
        ("PT\tAU\tTI\tSO\tPY\tUT\t\nJ\tSmith, J\tx\ty\t2020\tWOS:1\t\n", "tsv"),
        ('"SEARCH QUERY","x"\n----\n\n"Title","Author Names","Source"\n', "csv"),
        ("Title,Authors,Year\nx,y,2020\n", "csv"),
        ('<?xml version="1.0"?><xml><records><record></record></records></xml>', "endnote_xml"),
        ("just some prose\nwith no structure\n", None),
    ],
)
def test_format_from_content(text, fmt):
    assert sniff.detect_format(text) == fmt


def test_binary_is_recognised_but_utf16_is_not_binary():
    assert sniff.looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x02\x03" * 10)
    assert not sniff.looks_binary(RIS.encode("utf-16-le"))
    assert not sniff.looks_binary(RIS.encode())
