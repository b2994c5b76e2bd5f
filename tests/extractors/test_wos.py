"""Web of Science plain text (extractors.wos).

Oracle: each expected value is read off the hand-made snippet (Clarivate field tags).
"""

from hairmeta.extractors.wos import read_wos

TEXT = (
    "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Li, W\n   Dou, ZG\nTI Soil fauna diversity at\n"
    "   different stages\nSO ECOSYSTEM HEALTH AND SUSTAINABILITY\nPY 2020\nVL 6\nIS 1\nAR 1722034\n"
    "DI 10.1080/20964129.2020.1722034\nPM 12345\nUT WOS:000513211200001\nER\n\nPT J\nTI Second\nER\n\nEF\n"
)


def test_records_with_three_space_continuations():
    parsed = read_wos(TEXT, "w.txt")
    first, second = parsed.records
    assert first.title == "Soil fauna diversity at different stages"
    assert [a.display() for a in first.authors] == ["Li W", "Dou ZG"]
    assert (first.year, first.pages, first.pmid) == (2020, "1722034", "12345")
    assert parsed.source_ids == ("WOS:000513211200001", "line18") and second.title == "Second"
    assert parsed.warnings == ()


def test_unclosed_last_record_is_kept_with_a_warning():
    parsed = read_wos("PT J\nTI Only\n", "u.txt")
    assert parsed.records[0].title == "Only" and parsed.warnings == ("u.txt:1: last record not closed with ER; kept",)
