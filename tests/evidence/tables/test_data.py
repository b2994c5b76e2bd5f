"""Integrity of the shipped evidence tables in data/.

Oracles: the verified extraction in ../shared/evidence (quotes must be verbatim pieces of it), an
independent spelling of every coded number (written here, not with hairmeta.evidence.tables'
matcher), and the project brief's statements about Hassan et al. 2024.
"""

from __future__ import annotations

import csv
import math
import re

import pytest
from conftest import shared_path

from hairmeta.evidence.tables.check import check_tables, errors_only
from hairmeta.evidence.tables.load import list_outcomes, load_arms, load_meta_analyses, load_outcomes, load_studies
from hairmeta.evidence.tables.vocab import COMPARISONS, OUTCOME_COLUMNS, OUTCOME_STATS, PROVENANCE, QUOTED_NUMBERS

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split()
)
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def spelled(n: int) -> set[str]:
    """English spellings of 0 <= n < 1000 ('twenty-five', 'twenty five', 'one hundred twenty-five')."""
    if n < 20:
        return {_ONES[n]}
    if n < 100:
        tens, ones = divmod(n, 10)
        word = _TENS[tens - 2]
        return {word} if ones == 0 else {f"{word}-{_ONES[ones]}", f"{word} {_ONES[ones]}"}
    hundreds, rest = divmod(n, 100)
    head = f"{_ONES[hundreds]} hundred"
    return {head} if rest == 0 else {f"{head} {w}" for w in spelled(rest)} | {f"{head} and {w}" for w in spelled(rest)}


def written_forms(value: float) -> set[str]:
    """Ways a source may print ``|value|``: 0.8 → 0.8, 0.80, .80; 1569 → 1569, 1,569, words."""
    value = abs(float(value))
    forms = set()
    for decimals in range(0, 10):
        text = f"{value:.{decimals}f}"
        if math.isclose(float(text), value, abs_tol=1e-12):
            forms.update({text, text.lstrip("0") if text.startswith("0.") else text})
            if value >= 1000:
                forms.add(f"{value:,.{decimals}f}")
    if value.is_integer() and value < 1000:
        forms.update(spelled(int(value)))
    return forms


def appears(value: float, quote: str) -> bool:
    text = quote.lower()
    for form in written_forms(value):
        pattern = r"(?<![\d.])" + re.escape(form.lower()) + r"(?![\d]|\.\d)"
        if form[0].isalpha():  # 'twenty' must not match inside 'twenty-five'
            pattern = r"(?<![\w-])" + re.escape(form.lower()) + r"(?![\w-])"
        if re.search(pattern, text):
            return True
    return False


def test_appears_oracle_itself():
    assert appears(0.8, "0.35–0.80") and appears(0.0004, "p < .0004") and appears(1569, "1,569 cases")
    assert appears(25, "Twenty-five men") and appears(125, "One hundred twenty-five patients")
    assert not appears(15.1, "151 ± 39.82") and not appears(0.8, "0.08")
    assert not appears(20, "Twenty-five patients") and not appears(5, "twenty-five")


def test_shipped_tables_pass_the_check():
    problems = check_tables()
    assert errors_only(problems) == []
    assert all(p.level == "warning" and p.column == "unit" for p in problems)


@pytest.mark.parametrize(
    "kind, loader",
    [("studies", load_studies), ("arms", load_arms), ("outcomes", load_outcomes), ("meta", load_meta_analyses)],
)
def test_every_coded_number_is_written_in_its_quote_or_derived(kind, loader):
    frame = loader()
    missing = []
    for index, row in frame.iterrows():
        derivation = row.get("derivation", "")
        for column in QUOTED_NUMBERS[kind]:
            value = row[column]
            if math.isnan(value):
                continue
            assert row["source"].strip() and row["quote"].strip(), (kind, index, column)
            if not appears(value, row["quote"]) and not re.search(rf"(^|;)\s*{column}\s*:", derivation):
                missing.append((kind, index + 2, column, value))
    assert missing == []


#: Text columns whose every number must stand in the row's quote too.
NUMBERS_IN_TEXT = {"studies": ("sessions", "interval", "follow_up"), "outcomes": ("timepoint",)}


@pytest.mark.parametrize("kind, loader", [("studies", load_studies), ("outcomes", load_outcomes)])
def test_numbers_in_protocol_and_timepoint_text_are_written_in_the_quote(kind, loader):
    missing = []
    for index, row in loader().iterrows():
        for column in NUMBERS_IN_TEXT[kind]:
            for number in re.findall(r"\d+(?:\.\d+)?", row[column]):
                if not appears(float(number), row["quote"]):
                    missing.append((index + 2, column, row[column]))
    assert missing == []


def test_every_row_has_full_provenance():
    for loader in (load_studies, load_arms, load_outcomes, load_meta_analyses):
        frame = loader()
        for column in PROVENANCE:
            assert frame[column].str.strip().ne("").all(), (loader.__name__, column)


def test_derivations_name_real_columns_and_say_how():
    frame = load_outcomes()
    for text in frame["derivation"][frame["derivation"] != ""]:
        for part in text.split(";"):
            column, _, how = part.partition(":")
            assert column.strip() in OUTCOME_COLUMNS and len(how.strip()) > 5, text


def _shared_corpus() -> str:
    folder = shared_path("evidence")
    texts = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as stream:
            texts.extend(value for row in csv.DictReader(stream) for value in row.values())
    texts.extend(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md")))
    texts.extend(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt")))  # captured pages
    return re.sub(r"\s+", " ", "\n".join(texts))


def test_quotes_are_verbatim_pieces_of_the_shared_extraction():
    corpus = _shared_corpus()
    frames = {"studies": load_studies(), "arms": load_arms(), "outcomes": load_outcomes(), "meta": load_meta_analyses()}
    not_found = []
    for kind, frame in frames.items():
        for index, row in frame.iterrows():
            if kind == "arms" and row["verification"] == "secondary":
                continue
            for piece in row["quote"].split(" ... "):
                if re.sub(r"\s+", " ", piece.strip()) not in corpus:
                    not_found.append((kind, index + 2, piece[:60]))
    assert not_found == []


def test_sources_are_checkable():
    for loader in (load_studies, load_outcomes, load_meta_analyses):
        frame = loader()
        for source in frame["source"]:
            assert source.startswith("http") or re.search(r"\d{4}", source), source


# ----------------------------------------------------------------------------- Hassan 2024


def test_hassan2024_is_a_two_family_case_series_with_industry_authors():
    study = load_studies().set_index("study_id").loc["hassan2024"]
    assert study["design"] == "case_series" and study["intervention_family"] == "prp;exosome"
    assert study["rob_judgement"] == "high" and "no control group" in study["rob_reason"]
    assert "Helix Pharma" in study["funding_coi"] and "Helix Pharma" in study["quote"]
    assert study["doi"] == "" and study["pmid"] == "" and study["n_total"] == 5
    assert "enrolled total 5 participants" in study["quote"]


def test_hassan2024_arms_are_quoted_from_the_abstract_itself():
    """Issue 13: the journal's abstract page states the arms; nothing rests on a project brief."""
    arms = load_arms()
    arms = arms[arms["study_id"] == "hassan2024"].set_index("arm")
    assert set(arms["verification"]) == {"primary"}
    assert set(arms["source"]) == {load_studies().set_index("study_id").loc["hassan2024", "url"]}
    prp, exo = arms.loc["PRP"], arms.loc["exosome"]
    assert (prp["n"], prp["sex"], prp["age_mean"], prp["sessions_min"], prp["sessions_max"]) == (3, "male", 29, 5, 6)
    # "underwent 5-6 sessions over 6-16 months" dates the sessions; it is not a follow-up
    assert math.isnan(prp["follow_up_months_min"]) and math.isnan(prp["follow_up_months_max"])
    assert "average age 29, all male" in prp["quote"]
    assert (exo["n"], exo["sex"], exo["age_mean"], exo["sessions_min"], exo["sessions_max"]) == (2, "female", 43, 1, 1)
    assert (exo["follow_up_months_min"], exo["follow_up_months_max"]) == (7, 28)
    assert "observation periods ranging from 7 to 28 months" in exo["quote"]


def test_hassan2024_outcome_is_named_as_the_abstract_names_it_with_no_numbers():
    rows = list_outcomes("hassan2024")
    assert len(rows) == 2 and set(rows["arm"]) == {"PRP", "exosome"}
    assert set(rows["outcome"]) == {"condition_score"} and set(rows["unit"]) == {""}
    assert rows[list(OUTCOME_STATS)].isna().all().all()
    assert set(rows["not_reported"]) == {"all"}
    assert all("outperforming PRP" in quote for quote in rows["quote"])


# ----------------------------------------------------------------------------- other contents


def test_trial_registrations_have_no_outcome_rows():
    studies = load_studies()
    registrations = set(studies.loc[studies["design"] == "trial_registration", "study_id"])
    assert {"nct06239207", "actrn12625000548437", "nct06697080"} <= registrations
    assert not registrations & set(load_outcomes()["study_id"])


def test_secondary_only_studies_carry_no_numbers():
    studies = load_studies()
    secondary = set(studies.loc[studies["notes"].str.contains(r"\[secondary\]"), "study_id"])
    assert {"tawfik2018", "bruce2020"} <= secondary
    outcomes = load_outcomes()
    assert not secondary & set(outcomes["study_id"])
    assert studies.set_index("study_id").loc[sorted(secondary), "n_total"].isna().all()


def test_shapiro2020_full_arm_level_data():
    rows = list_outcomes("shapiro2020").set_index(["arm", "timepoint_weeks"])
    assert rows.loc[("PRP", 0.0), ["mean", "sd", "n"]].tolist() == [151.0, 39.82, 35.0]
    assert rows.loc[("saline", 21.7), ["mean", "sd"]].tolist() == [166.72, 37.13]
    assert set(rows["within_person"]) == {"yes"}


@pytest.mark.parametrize(
    "table, key, flag",
    [
        ("meta", "zhou2021_control", "label is probably wrong"),
        ("meta", "kieling2024_diameter", "does not match the CI"),
        ("studies", "jccp2025", "60"),
        ("studies", "neindia_split", "add-on effect to minoxidil"),
    ],
)
def test_data_quality_flags_are_kept_in_notes(table, key, flag):
    frame = {"meta": load_meta_analyses, "studies": load_studies}[table]()
    id_column = "ma_id" if table == "meta" else "study_id"
    assert flag in frame.set_index(id_column).loc[key, "notes"]


def test_change_and_final_values_are_in_their_own_columns():
    rows = load_outcomes()
    alves = rows[rows["study_id"] == "alves2016"]
    assert alves["mean"].notna().all() and alves["change_mean"].isna().all()
    cervelli = rows[rows["study_id"] == "cervelli2014"]
    assert cervelli["change_mean"].notna().all() and cervelli["mean"].isna().all()


def test_published_meta_analyses_cover_the_shared_file():
    meta = load_meta_analyses()
    assert len(meta) == 25
    assert set(meta["comparison"]) <= set(COMPARISONS) | {""}
    exosome = meta[meta["intervention_family"] == "exosome"]
    assert exosome["estimate"].isna().all() and len(exosome) == 2


def test_every_source_is_a_document_a_reader_can_open():
    """A URL, DOI, PMID or full journal citation (year;volume:pages) in every row of every table;
    a project issue or brief is never a source."""
    frames = {"studies": load_studies(), "arms": load_arms(), "outcomes": load_outcomes(), "meta": load_meta_analyses()}
    opened = re.compile(r"https?://|\b10\.\d{4,9}/|\bPMID:?\s*\d+|^\d{6,9}$|\b(?:19|20)\d\d;\d+:\w+", re.I)
    bad = [
        (kind, index + 2, row["source"][:60])
        for kind, frame in frames.items()
        for index, row in frame.iterrows()
        if not opened.search(row["source"]) or re.search(r"\bissue\s*#|\bbrief\b", row["source"], re.I)
    ]
    assert bad == []
