"""compare(): descriptive placement, confounding from coded arms, literature's controlled evidence.

Oracles: hand-built tables whose answers are counted by hand (percentiles, differences), and the
shipped data where it has landed.
"""

import numpy as np
import pandas as pd
import pytest

from hairmeta.evidence.errors import UnknownNameError
from hairmeta.evidence.synthesis.characteristics import comparator_families
from hairmeta.evidence.synthesis.compare import comparable_studies, compare, confounders, percentile, study_row

STUDY_COLS = [
    "study_id",
    "citation",
    "design",
    "condition",
    "intervention_family",
    "comparator",
    "comparator_family",
    "n_total",
    "sessions",
    "follow_up",
    "funding_coi",
    "source",
    "quote",
]


def make_tables():
    studies = pd.DataFrame(
        [
            [
                "series2024",
                "A series",
                "case_series",
                "hair_loss_unspecified",
                "prp;exosome",
                "exosomes",
                "active",
                5,
                "",
                "",
                "",
                "brief",
                "q",
            ],
            [
                "rcta2020",
                "RCT A",
                "rct_parallel",
                "aga_male",
                "prp",
                "saline",
                "placebo",
                20,
                "3",
                "",
                "none declared",
                "pubmed",
                "q",
            ],
            [
                "rctb2021",
                "RCT B",
                "rct_split_scalp",
                "aga_female",
                "prp",
                "saline",
                "placebo",
                40,
                "4",
                "",
                "",
                "pubmed",
                "q",
            ],
            [
                "exo2023",
                "Exo series",
                "single_arm_trial",
                "aga_mixed",
                "exosome",
                "",
                "none",
                60,
                "",
                "",
                "",
                "pubmed",
                "q",
            ],
            [
                "nct1",
                "Registration",
                "trial_registration",
                "aga_mixed",
                "exosome",
                "PRP 2 sessions 1 month apart",
                "active",
                30,
                "",
                "",
                "",
                "ctgov",
                "q",
            ],
        ],
        columns=STUDY_COLS,
    )
    arm_cols = [
        "study_id",
        "arm",
        "arm_role",
        "intervention_family",
        "n",
        "sex",
        "n_male",
        "n_female",
        "age_mean",
        "sessions_min",
        "sessions_max",
        "follow_up_months_min",
        "follow_up_months_max",
        "source",
        "location",
        "quote",
        "verification",
    ]
    arms = pd.DataFrame(
        [
            [
                "series2024",
                "PRP",
                "intervention",
                "prp",
                3,
                "male",
                3,
                0,
                29,
                5,
                6,
                6,
                6,
                "project brief",
                "brief",
                "q",
                "secondary",
            ],
            [
                "series2024",
                "exosome",
                "intervention",
                "exosome",
                2,
                "female",
                0,
                2,
                43,
                1,
                1,
                3,
                3,
                "project brief",
                "brief",
                "q",
                "secondary",
            ],
            [
                "rcta2020",
                "PRP",
                "intervention",
                "prp",
                10,
                "male",
                10,
                0,
                35,
                3,
                3,
                6,
                6,
                "pubmed",
                "abstract",
                "q",
                "verbatim",
            ],
            [
                "rctb2021",
                "PRP",
                "intervention",
                "prp",
                20,
                "female",
                0,
                20,
                40,
                4,
                4,
                12,
                12,
                "pubmed",
                "abstract",
                "q",
                "verbatim",
            ],
            [
                "exo2023",
                "exosome",
                "single",
                "exosome",
                60,
                "mixed",
                30,
                30,
                38,
                1,
                1,
                3,
                3,
                "pubmed",
                "abstract",
                "q",
                "verbatim",
            ],
        ],
        columns=arm_cols,
    )
    for col in [
        "n",
        "n_male",
        "n_female",
        "age_mean",
        "sessions_min",
        "sessions_max",
        "follow_up_months_min",
        "follow_up_months_max",
    ]:
        arms[col] = arms[col].astype(float)
    studies["n_total"] = studies["n_total"].astype(float)
    outcomes = pd.DataFrame(
        {
            "outcome_id": ["series2024-01", "series2024-02", "rcta2020-01"],
            "study_id": ["series2024", "series2024", "rcta2020"],
            "arm": ["PRP", "exosome", "PRP"],
            "arm_role": ["intervention"] * 3,
            "intervention_family": ["prp", "exosome", "prp"],
            "outcome": ["hair_density"] * 3,
            "timepoint": ["", "", "6 months"],
            "mean": [np.nan, np.nan, 150.0],
            "change_mean": [np.nan] * 3,
            "events": [np.nan] * 3,
            "median": [np.nan] * 3,
            "not_reported": ["all", "all", ""],
        }
    )
    return studies, arms, outcomes


def test_unknown_study_lists_valid_ids():
    studies, _, _ = make_tables()
    with pytest.raises(UnknownNameError, match="rcta2020"):
        study_row(studies, "nosuch2000")


def test_percentile_counts_ties_half_by_hand():
    # 5 among [20, 40, 60]: 0 below → 0th; 40 among the same: 1 below + half a tie → 50th
    assert percentile(5, [20, 40, 60]) == 0.0
    assert percentile(40, [20, 40, 60]) == 50.0
    assert np.isnan(percentile(np.nan, [1, 2]))


def test_comparator_text_names_families():
    assert comparator_families("PRP 2 sessions 1 month apart") == {"prp"}
    assert comparator_families("platelet-rich plasma") == {"prp"}
    assert comparator_families("saline") == set()


def test_loose_condition_compares_with_every_condition_sharing_a_family():
    studies, _, _ = make_tables()
    series = study_row(studies, "series2024")
    assert set(comparable_studies(studies, series)["study_id"]) == {"rcta2020", "rctb2021", "exo2023"}
    rct = study_row(studies, "rcta2020")
    assert comparable_studies(studies, rct).empty  # no other aga_male PRP study


def test_confounders_name_each_coded_difference_between_arms():
    studies, arms, outcomes = make_tables()
    result = compare("series2024", studies=studies, arms=arms, outcomes=outcomes)
    names = [c["characteristic"] for c in result.confounders]
    assert names == ["sex", "age", "sessions", "follow-up", "allocation", "arm size"]
    age = result.confounders[1]
    assert age["PRP"] == "29" and age["exosome"] == "43" and "14 years" in age["why"]
    assert result.confounders[2]["PRP"] == "5–6" and result.confounders[2]["exosome"] == "1"


def test_same_sex_and_age_arms_are_not_called_confounded():
    studies, arms, outcomes = make_tables()
    arms.loc[arms["arm"] == "exosome", ["sex", "age_mean"]] = ["male", 31.0]
    names = [
        c["characteristic"]
        for c in confounders(
            study_row(studies, "series2024"), compare("series2024", studies=studies, arms=arms, outcomes=outcomes).arms
        )
    ]
    assert "sex" not in names and "age" not in names  # 2-year gap < 5


def test_descriptive_comparison_when_no_numbers():
    studies, arms, outcomes = make_tables()
    result = compare("series2024", studies=studies, arms=arms, outcomes=outcomes)
    assert result.effects == []
    assert [(m["arm"], m["outcome"]) for m in result.missing_numbers] == [
        ("PRP", "hair_density"),
        ("exosome", "hair_density"),
    ]
    assert all("mean" in m["needed"] for m in result.missing_numbers)
    size = next(r for r in result.characteristics if r["aspect"] == "sample size")
    assert size["percentile"] == 0.0 and "median 40" in size["literature"]
    sessions = next(r for r in result.characteristics if r["aspect"] == "sessions")
    assert sessions["this_study"] == "PRP: 5–6; exosome: 1"
    assert sessions["literature"] == ("exosome: median 1 (range 1–1, 1 study); prp: median 3.5 (range 3–4, 2 studies)")


def test_sessions_read_from_the_study_cell_when_no_arm_codes_them():
    from hairmeta.evidence.synthesis.characteristics import sessions_number

    assert sessions_number("3") == 3 and sessions_number("4-6") == 6
    assert sessions_number(">=3") == 3 and np.isnan(sessions_number(""))
    studies, arms, outcomes = make_tables()
    arms = arms[arms["study_id"] != "rctb2021"]  # rctb2021's "4" now comes from studies.csv
    result = compare("series2024", studies=studies, arms=arms, outcomes=outcomes)
    sessions = next(r for r in result.characteristics if r["aspect"] == "sessions")
    assert sessions["literature"].endswith("prp: median 3.5 (range 3–4, 2 studies)")
    assert result.study["level_of_evidence"] == 4
    assert any("secondary" in n for n in result.notes)
    assert any("descriptive only" in n for n in result.notes)


def test_controlled_evidence_lists_registration_without_results():
    studies, arms, outcomes = make_tables()
    rows = compare("series2024", studies=studies, arms=arms, outcomes=outcomes).controlled_evidence
    assert rows == [
        {
            "study_id": "nct1",
            "design": "trial_registration",
            "contrast": "exosome vs prp",
            "status": "registered, no results",
            "citation": "Registration",
            "source": "ctgov",
        }
    ]


def with_synthetic_series():
    """The shipped tables plus one invented two-arm series with change scores (a test study)."""
    from hairmeta.evidence.tables.load import load_arms, load_outcomes, load_studies

    studies, arms, outcomes = load_studies(), load_arms(), load_outcomes()
    study = {c: "" for c in studies.columns} | {
        "study_id": "testseries2099",
        "design": "case_series",
        "condition": "aga_mixed",
        "intervention_family": "prp",
        "n_total": 20.0,
        "rob_judgement": "high",
    }
    rows = []
    for i, (arm, change, sd, n) in enumerate([("PRP", 18.0, 6.0, 12.0), ("PRP high", 90.0, 9.0, 8.0)]):
        rows.append(
            {c: (np.nan if outcomes[c].dtype.kind == "f" else "") for c in outcomes.columns}
            | {
                "outcome_id": f"testseries2099-0{i + 1}",
                "study_id": "testseries2099",
                "arm": arm,
                "arm_role": "single",
                "intervention_family": "prp",
                "outcome": "hair_density",
                "unit": "hairs/cm2",
                "timepoint": "6 months",
                "timepoint_weeks": 26.0,
                "n": n,
                "change_mean": change,
                "change_sd": sd,
            }
        )
    return (
        pd.concat([studies, pd.DataFrame([study])], ignore_index=True),
        arms,
        pd.concat([outcomes, pd.DataFrame(rows)], ignore_index=True),
    )


def test_each_arm_against_the_pooled_literature_with_pool_as_oracle():
    from hairmeta.evidence.meta.pooling import pool
    from hairmeta.evidence.synthesis.contrasts import from_outcomes

    studies, arms, outcomes = with_synthetic_series()
    result = compare("testseries2099", studies=studies, arms=arms, outcomes=outcomes)
    assert [e["arm"] for e in result.effects] == ["PRP", "PRP high"]
    table = from_outcomes(
        outcomes,
        studies,
        outcome="hair_density",
        comparison="baseline",
        intervention_family="prp",
        condition="aga_mixed",
    )
    others = table.effects[table.effects["study_id"] != "testseries2099"]
    fit = pool(others["yi"], others["vi"], method="REML", knha=True)
    first, second = result.effects
    assert first["pooled"] == fit.estimate and first["pi_high"] == fit.pi_high
    assert first["yi"] == 18.0  # MC = the reported mean change
    # consistency is "inside the prediction interval", checked against the fit by hand
    assert first["consistent"] == (fit.pi_low <= 18.0 <= fit.pi_high)
    assert second["consistent"] == (fit.pi_low <= 90.0 <= fit.pi_high)
    assert second["percentile"] == 100.0  # 90 exceeds every other coded change
    assert result.missing_numbers == []


@pytest.mark.parametrize(
    "text, months",
    [
        ("6 months after first treatment", 6.0),
        ("2 years", 24.0),
        ("one year", 12.0),
        ("12 weeks and 6 months", 6.0),
        ("one month after the third injection (4 months)", 4.0),
        ("", float("nan")),
    ],
)
def test_follow_up_text_in_months_by_hand(text, months):
    from hairmeta.evidence.synthesis.characteristics import follow_up_months

    got = follow_up_months(text)
    assert (np.isnan(got) and np.isnan(months)) or got == pytest.approx(months)


def test_twelve_weeks_is_about_2_76_months():
    from hairmeta.evidence.synthesis.characteristics import follow_up_months

    assert follow_up_months("12 weeks") == pytest.approx(12 * 12 / 52.1775)
