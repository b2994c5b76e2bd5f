"""The import fast paths (issue 10) give what the plain code gives.

Oracle: each fast path is compared with the straightforward computation it replaces
(``str.split``, ``Record(**values)``, :func:`author_from` name by name, the initials rule) on
corpus files and on seeded random input; the collector test reads the generation a record sits in.
"""

from __future__ import annotations

import functools
import gc
import random
from dataclasses import dataclass, field

import pytest
from testpaths import TEST_DATA

from hairmeta.evidence.library.records import Record
from hairmeta.extractors import exportrecord, files, ris, sniff
from hairmeta.extractors.exportrecord import RawEntry, author_from

RIS_FILES = sorted(p for p in (TEST_DATA / "exports").glob("*.ris"))


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice("ab \n") for _ in range(rng.randint(0, 40)))


def test_line_blocks_are_the_lines_of_str_split():
    rng = random.Random(1)
    for _ in range(3000):
        text, size = _random_text(rng), rng.randint(0, 12)
        blocks = list(ris._line_blocks(text, size))
        assert [line for block in blocks for line in block] == text.split("\n"), (text, size)


@pytest.mark.parametrize("path", RIS_FILES[:12], ids=lambda p: p.name)
def test_tiny_line_blocks_read_the_same_entries_and_line_numbers(path, monkeypatch):
    text, _ = sniff.decode(path.read_bytes())
    whole, whole_warnings = ris.parse_entries(text, path.name)
    monkeypatch.setattr(ris, "_line_blocks", functools.partial(ris._line_blocks, size=5))
    tiny, tiny_warnings = ris.parse_entries(text, path.name)
    assert tiny == whole and tiny_warnings == whole_warnings
    assert len(whole) > 0


def test_head_lines_are_the_first_lines_of_str_split():
    rng = random.Random(2)
    for _ in range(3000):
        text, count = _random_text(rng), rng.randint(0, 12)
        assert sniff._head_lines(text, count) == text.split("\n", count)[:count], (text, count)


def test_record_fast_build_equals_the_constructor_attribute_for_attribute():
    assert exportrecord._PLAIN_RECORD
    for path in RIS_FILES:
        for record in files.read_file(path).records:
            values = vars(record).copy()
            del values["mesh_terms"], values["links"]  # left at their defaults, as build_record does
            fast, slow = exportrecord._record(**values), Record(**values)
            assert fast == slow and list(vars(fast).items()) == list(vars(slow).items())
            assert hash(fast) == hash(slow) and repr(fast) == repr(slow)


def test_record_fast_build_refuses_a_name_record_does_not_have():
    with pytest.raises(TypeError):
        exportrecord._record(title="A trial", titel="typo")


def test_record_fast_build_only_for_a_plain_init():
    @dataclass(frozen=True)
    class Checked:
        a: str = ""

        def __post_init__(self):
            pass

    @dataclass(frozen=True)
    class Factory:
        a: list = field(default_factory=list)

    assert exportrecord._plain_init(Record)
    assert not exportrecord._plain_init(Checked)
    assert not exportrecord._plain_init(Factory)


NAMES = [
    "Smith, J.",
    "Smith, John M.",
    "  Doe, J. K.  ",
    "Smith JM",
    "PRP Study Group",
    "",
    "   ",
    "van der Berg, J.-L.",
    "Smith J. (a)",
    "Smith J [1]",
    "Smith^1,2",
    "Group; ",
    "Müller, Jörg",
    "<i>Smith</i>, J.",
    "Smith,  J.",
    "Smith, &amp; J.",
    "Li, X",
    ",J",
    "Smith, ",
    "A B C D E",
]


def test_author_lists_equal_author_from_name_by_name():
    rng = random.Random(3)
    for _ in range(3000):
        names = [rng.choice(NAMES) for _ in range(rng.randint(0, 6))]
        expected = tuple(a for a in map(author_from, names) if a is not None)
        assert exportrecord._authors(RawEntry(line=1, authors=names)) == expected, names


def test_remembered_given_names_match_the_initials_rule_and_stay_bounded(monkeypatch):
    monkeypatch.setattr(exportrecord, "_GIVEN_PARTS", {})
    for given in ("J. M.", "John M.", "JM", "J.-L.", "jm", "", "Anne-Marie"):
        for _ in range(2):  # computed, then remembered
            fore = "" if exportrecord._INITIALS_ONLY.fullmatch(given) else given
            assert exportrecord._given_parts(given) == (exportrecord._initials(given), fore)
    for number in range(20_000):
        exportrecord._given_parts(f"G{number}")
    assert len(exportrecord._GIVEN_PARTS) <= 8192


def _ris(count: int) -> str:
    return "".join(f"TY  - JOUR\nTI  - Title {n}\nAU  - Doe, J.\nPY  - 2020\nER  - \n" for n in range(count))


def test_records_leave_the_young_generations_during_a_read():
    was_enabled = gc.isenabled()
    gc.disable()  # as read_text does; no automatic collection can move anything meanwhile
    try:
        parsed = files.read_text(_ris(1099), "x.ris")  # 5 collections, 99 records after the last
        oldest = {id(obj) for obj in gc.get_objects(generation=2)}
        young = {id(obj) for obj in gc.get_objects(generation=0)}
    finally:
        if was_enabled:
            gc.enable()
    first, last = parsed.records[0], parsed.records[-1]
    assert id(first) in oldest and id(first.authors[0]) in oldest
    assert id(last) in young  # after the last collection: left for the caller's collector
