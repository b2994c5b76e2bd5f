"""EndNote XML (extractors.endnote_xml), including a whole file on one line.

Oracle: each expected value is read off the hand-made snippet (EndNote's RSXML layout).
"""

from hairmeta.extractors.endnote_xml import read_endnote_xml

ONE_LINE = (
    '<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><database name="My.enl">My.enl</database>'
    '<source-app name="EndNote" version="20.0">EndNote</source-app><rec-number>7</rec-number>'
    '<ref-type name="Journal Article">17</ref-type><contributors><authors><author><style face="normal" '
    'font="default" size="100%">Ahmad, A. S.</style></author><author><style>Sasieni, P D</style></author>'
    '</authors></contributors><titles><title><style>Trends in </style><style face="italic">lifetime</style>'
    "<style> risk</style></title><secondary-title><style>Br J Cancer</style></secondary-title></titles>"
    "<pages><style>943-7</style></pages><volume><style>112</style></volume><number><style>5</style></number>"
    "<dates><year><style>2015</style></year></dates><isbn><style>1532-1827&#xD;0007-0920</style></isbn>"
    "<accession-num><style>25647015</style></accession-num><electronic-resource-num><style>10.1038/bjc.2014.606"
    "</style></electronic-resource-num><remote-database-name><style>PubMed</style></remote-database-name>"
    "</record></records></xml>"
)


def test_one_line_file_with_style_wrapped_values():
    parsed = read_endnote_xml(ONE_LINE, "e.xml")
    (record,) = parsed.records
    assert record.title == "Trends in lifetime risk" and record.journal == "Br J Cancer"
    assert [a.display() for a in record.authors] == ["Ahmad AS", "Sasieni PD"]
    assert (record.year, record.volume, record.issue, record.pages) == (2015, "112", "5", "943-7")
    assert record.doi == "10.1038/bjc.2014.606" and record.pmid == "25647015"
    assert parsed.source_ids == ("7",) and parsed.warnings == ()


def test_malformed_xml_is_one_located_warning():
    parsed = read_endnote_xml("<xml><records><record><titles>", "bad.xml")
    assert parsed.records == () and parsed.warnings[0].startswith("bad.xml:1: not well-formed XML")
