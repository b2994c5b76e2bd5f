"""synthesis.contrasts: from_outcomes on hand-built coded rows (split from the escalc tests) (oracle: metafor escalc via the committed
reference CSVs, hand calculations) and from_outcomes (hand-built coded rows)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.meta.escalc import compute_effects, read_effect_input


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.csv"
    path.write_text(text, encoding="utf-8")
    return path


from hairmeta.evidence.meta.measures import cmicalc
from hairmeta.evidence.synthesis.contrasts import EFFECT_COLUMNS, EXCLUDED_COLUMNS, EffectTable, from_outcomes

NUMERIC = (
    "timepoint_weeks",
    "n",
    "mean",
    "sd",
    "se",
    "ci_low",
    "ci_high",
    "ci_level",
    "median",
    "q1",
    "q3",
    "min",
    "max",
    "change_mean",
    "change_sd",
    "events",
    "p_value",
)
TEXT = (
    "outcome_id",
    "study_id",
    "arm",
    "arm_role",
    "intervention_family",
    "outcome",
    "unit",
    "timepoint",
    "p_operator",
    "p_comparison",
    "within_person",
    "derivation",
    "not_reported",
)
UNIT = "hairs/cm2"


def _row(study_id, arm, role, family, weeks, **values) -> dict:
    row = {c: math.nan for c in NUMERIC} | {c: "" for c in TEXT}
    row.update(
        study_id=study_id,
        arm=arm,
        arm_role=role,
        intervention_family=family,
        outcome="hair_density",
        unit=UNIT,
        timepoint="baseline" if weeks == 0 else f"{weeks} weeks",
        timepoint_weeks=weeks,
    )
    row.update(values)
    return row


def _study(study_id, design, family, comparator, condition="aga_male", author="", year=math.nan) -> dict:
    return {
        "study_id": study_id,
        "design": design,
        "intervention_family": family,
        "comparator_family": comparator,
        "condition": condition,
        "first_author": author,
        "year": year,
    }


@pytest.fixture
def coded() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [
        _row("par2020", "PRP", "intervention", "prp", 24, n=20, mean=160.0, sd=20.0),
        _row("par2020", "saline", "control", "comparator", 24, n=18, mean=140.0, sd=25.0),
        _row("par2020", "PRP", "intervention", "prp", 12, n=20, mean=150.0, sd=21.0),
        _row("par2020", "saline", "control", "comparator", 12, n=18, mean=139.0, sd=24.0),
        _row("split2019", "PRP side", "intervention", "prp", 12, n=15, mean=170.0, sd=30.0, within_person="yes"),
        _row("split2019", "placebo side", "control", "comparator", 12, n=15, mean=155.0, sd=28.0, within_person="yes"),
        _row("chg2021", "PRP", "intervention", "prp", 16, n=25, change_mean=18.0, change_sd=9.0),
        _row("chg2021", "minoxidil", "control", "comparator", 16, n=25, change_mean=11.0, change_sd=8.0),
        _row("se2022", "PRP", "intervention", "prp", 24, n=16, mean=155.0, se=5.0),
        _row("se2022", "saline", "control", "comparator", 24, n=16, mean=141.0, sd=19.0),
        _row(
            "pval2018", "PRP", "intervention", "prp", 24, n=30, p_value=0.05, p_operator="<", p_comparison="vs saline"
        ),
        _row("pval2018", "saline", "control", "comparator", 24, n=30),
        _row("hassan2024", "PRP", "single", "prp", 12, not_reported="all"),
        _row("hassan2024", "exosome", "single", "exosome", 12, not_reported="all"),
        _row("single2023", "exosome", "single", "exosome", 0, n=12, mean=120.0, sd=15.0),
        _row("single2023", "exosome", "single", "exosome", 12, n=12, mean=128.0, sd=16.0),
        _row("single2023", "exosome", "single", "exosome", 24, n=11, mean=133.0, sd=17.0),
        _row("iqr2022", "PRP", "single", "prp", 0, n=30, median=110.0, q1=100.0, q3=125.0),
        _row("iqr2022", "PRP", "single", "prp", 24, n=30, median=121.0, q1=108.0, q3=135.0),
    ]
    for i, row in enumerate(rows):
        row["outcome_id"] = f"{row['study_id']}-{i:02d}"
    studies = pd.DataFrame(
        [
            _study("par2020", "rct_parallel", "prp", "placebo", author="Par", year=2020),
            _study("split2019", "rct_split_scalp", "prp", "placebo"),
            _study("chg2021", "rct_parallel", "prp", "active"),
            _study("se2022", "rct_parallel", "prp", "placebo"),
            _study("pval2018", "rct_parallel", "prp", "placebo"),
            _study("hassan2024", "case_series", "prp;exosome", "none", condition="hair_loss_unspecified"),
            _study("single2023", "single_arm_trial", "exosome", "none", condition="aga_female"),
            _study("iqr2022", "case_series", "prp", "none"),
        ]
    )
    return pd.DataFrame(rows), studies


def _by_study(table: EffectTable) -> dict[str, pd.Series]:
    return {row["study_id"]: row for _, row in table.effects.iterrows()}


def test_control_md_parallel_hand_calculation(coded):
    """Hand calculation: 160 − 140 = 20; vi = 20²/20 + 25²/18 = 20 + 34.722… (last shared week 24)."""
    table = from_outcomes(*coded, outcome="hair_density", comparison="control")
    par = _by_study(table)["par2020"]
    assert table.measure == "MD" and par["measure"] == "MD"
    assert par["yi"] == 20.0 and par["vi"] == pytest.approx(400 / 20 + 625 / 18, rel=1e-14)
    assert par["sei"] == pytest.approx(math.sqrt(par["vi"])) and par["n"] == 38
    assert par["timepoint_weeks"] == 24 and par["label"] == "Par 2020" and par["derivation"] == ""
    assert par["outcome_ids"] == "par2020-00;par2020-01"
    assert "MD: all 4 usable rows report hair_density in hairs/cm2" in table.notes[0]
    assert list(table.effects.columns) == EFFECT_COLUMNS and list(table.excluded.columns) == EXCLUDED_COLUMNS


def test_control_timepoint_in_weeks(coded):
    table = from_outcomes(*coded, outcome="hair_density", comparison="control", timepoint=12)
    assert _by_study(table)["par2020"]["yi"] == 11.0
    assert "no follow-up row at 12 weeks" in " ".join(table.excluded["reason"])


def test_split_scalp_is_paired_with_imputed_correlation(coded):
    """Hand calculation (MC variance): (30² + 28² − 2·0.5·30·28)/15 = 844/15."""
    split = _by_study(from_outcomes(*coded, outcome="hair_density", comparison="control"))["split2019"]
    assert split["yi"] == 15.0 and split["vi"] == pytest.approx((900 + 784 - 840) / 15, rel=1e-14)
    assert split["n"] == 15
    assert "within-person design" in split["derivation"] and "ri imputed at 0.5" in split["derivation"]


def test_split_scalp_correlation_is_configurable(coded):
    split = _by_study(from_outcomes(*coded, outcome="hair_density", comparison="control", ri=0.8))["split2019"]
    assert split["vi"] == pytest.approx((900 + 784 - 2 * 0.8 * 840) / 15, rel=1e-14)


def test_change_scores_used_when_both_arms_report_them(coded):
    chg = _by_study(from_outcomes(*coded, outcome="hair_density", comparison="control"))["chg2021"]
    assert chg["yi"] == 7.0 and chg["vi"] == pytest.approx(81 / 25 + 64 / 25)
    assert "change-from-baseline scores" in chg["derivation"]


def test_sd_derived_from_se_is_recorded(coded):
    """SD = 5·√16 = 20, so vi = 20²/16 + 19²/16."""
    se = _by_study(from_outcomes(*coded, outcome="hair_density", comparison="control"))["se2022"]
    assert se["vi"] == pytest.approx(400 / 16 + 361 / 16, rel=1e-14)
    assert "sd = se × √n from se=5, n=16" in se["derivation"]


def test_unusable_rows_are_excluded_with_specific_reasons(coded):
    excluded = from_outcomes(*coded, outcome="hair_density", comparison="control").excluded
    reasons = dict(zip(excluded["study_id"], excluded["reason"]))
    assert reasons["pval2018"] == "only a p-value reported (p<0.05, vs saline)"
    assert "hassan2024" not in reasons  # single-arm series are not candidates for a control comparison


def test_placebo_comparison_drops_active_comparators(coded):
    table = from_outcomes(*coded, outcome="hair_density", comparison="placebo")
    assert "chg2021" not in set(table.effects["study_id"])
    reasons = dict(zip(table.excluded["study_id"], table.excluded["reason"]))
    assert reasons["chg2021"] == "comparator is active, not placebo"


def test_baseline_mc_hand_calculation(coded):
    """Last follow-up (24 w): 133 − 120 = 13; vi = (17² + 15² − 2·0.5·17·15)/11 = 259/11."""
    table = from_outcomes(*coded, outcome="hair_density", comparison="baseline", intervention_family="exosome")
    one = _by_study(table)["single2023"]
    assert table.measure == "MC" and one["yi"] == 13.0
    assert one["vi"] == pytest.approx((289 + 225 - 255) / 11, rel=1e-14)
    assert one["label"] == "single2023 (exosome)" and "ri imputed at 0.5" in one["derivation"]
    reasons = dict(zip(table.excluded["study_id"], table.excluded["reason"]))
    assert reasons["hassan2024"] == "outcome numbers not reported in the source (not_reported=all)"
    assert any("ri=0.2 and ri=0.8" in note for note in table.notes)


def test_baseline_from_median_and_iqr(coded):
    """Luo 2018 means and Wan 2014 SDs for both timepoints, n = 30."""
    table = from_outcomes(*coded, outcome="hair_density", comparison="baseline", intervention_family="prp")
    iqr = _by_study(table)["iqr2022"]
    from scipy.stats import norm

    w = 0.7 + 0.39 / 30
    eta = 2 * norm.ppf((0.75 * 30 - 0.125) / 30.25)
    pre_mean, post_mean = w * 112.5 + (1 - w) * 110, w * 121.5 + (1 - w) * 121
    pre_sd, post_sd = 25 / eta, 27 / eta
    assert iqr["yi"] == pytest.approx(post_mean - pre_mean, rel=1e-12)
    assert iqr["vi"] == pytest.approx((pre_sd**2 + post_sd**2 - pre_sd * post_sd) / 30, rel=1e-12)
    assert iqr["derivation"].count("Luo 2018") == 2


def test_smd_chosen_when_units_differ(coded):
    outcomes, studies = coded
    outcomes.loc[outcomes["study_id"] == "se2022", "unit"] = "hairs/0.65 cm2"
    table = from_outcomes(outcomes, studies, outcome="hair_density", comparison="control")
    assert table.measure == "SMD" and table.notes[0].startswith("SMD: units differ")
    par = _by_study(table)["par2020"]
    sdp = math.sqrt((19 * 400 + 17 * 625) / 36)
    assert par["yi"] == pytest.approx(cmicalc(np.array([36.0]))[0] * 20 / sdp, rel=1e-12)
    assert any("change scores and the rest final values" in n for n in table.notes)


def test_requested_measure_must_fit_the_comparison(coded):
    with pytest.raises(UnknownNameError, match="effect measure for comparison 'baseline'"):
        from_outcomes(*coded, outcome="hair_density", comparison="baseline", measure="SMD")


def test_unknown_comparison_and_timepoint(coded):
    with pytest.raises(
        UnknownNameError, match=r"valid: control \(any concurrent control\), placebo, active .*baseline"
    ):
        from_outcomes(*coded, outcome="hair_density", comparison="sham")
    with pytest.raises(UnknownNameError, match="unknown timepoint 'first'"):
        from_outcomes(*coded, outcome="hair_density", comparison="control", timepoint="first")


def test_condition_filter(coded):
    table = from_outcomes(*coded, outcome="hair_density", comparison="baseline", condition="aga_female")
    assert set(table.effects["study_id"]) == {"single2023"} and table.excluded.empty


def test_two_intervention_arms_are_combined(coded):
    """Cochrane Table 6.5.a: arms (20, 160, 20) and (10, 170, 22) → N 30, mean 163.33…"""
    outcomes, studies = coded
    extra = _row(
        "par2020", "PRP high dose", "intervention", "prp", 24, n=10, mean=170.0, sd=22.0, outcome_id="par2020-99"
    )
    table = from_outcomes(
        pd.concat([outcomes, pd.DataFrame([extra])]), studies, outcome="hair_density", comparison="control"
    )
    par = _by_study(table)["par2020"]
    mean = (20 * 160 + 10 * 170) / 30
    sd = math.sqrt((19 * 400 + 9 * 484 + 20 * 10 / 30 * 100) / 29)
    assert par["yi"] == pytest.approx(mean - 140, rel=1e-14)
    assert par["vi"] == pytest.approx(sd**2 / 30 + 625 / 18, rel=1e-12)
    assert "arms combined" in par["derivation"] and par["outcome_ids"] == "par2020-00;par2020-99;par2020-01"


def test_missing_outcome_column_is_a_data_error(coded):
    outcomes, studies = coded
    with pytest.raises(DataError, match="outcomes:1:sd: missing column"):
        from_outcomes(outcomes.drop(columns=["sd"]), studies, outcome="hair_density", comparison="control")


def test_shipped_tables_are_the_default():
    from hairmeta.evidence.paths import data_file

    if not data_file("outcomes.csv").exists() or not data_file("studies.csv").exists():
        pytest.skip("shipped evidence tables not present yet")
    table = from_outcomes(outcome="hair_density", comparison="baseline")
    assert list(table.effects.columns) == EFFECT_COLUMNS
    assert table.effects["vi"].gt(0).all()


def _binary_rows(ai, n1, ci, n2, study="resp2021") -> pd.DataFrame:
    rows = [
        _row(study, "PRP", "intervention", "prp", 24, n=n1, events=ai, outcome="responders", unit=""),
        _row(study, "saline", "control", "comparator", 24, n=n2, events=ci, outcome="responders", unit=""),
    ]
    for i, row in enumerate(rows):
        row["outcome_id"] = f"{study}-{i:02d}"
    return pd.DataFrame(rows)


def test_binary_outcome_defaults_to_rr_hand_calculation():
    """Hand calculation: RR = (12/20)/(5/20); vi = 1/12 − 1/20 + 1/5 − 1/20."""
    studies = pd.DataFrame([_study("resp2021", "rct_parallel", "prp", "placebo")])
    table = from_outcomes(_binary_rows(12, 20, 5, 20), studies, outcome="responders", comparison="placebo")
    row = table.effects.iloc[0]
    assert table.measure == "RR" and table.notes[0].startswith("RR: the usable studies report event counts")
    assert row["yi"] == pytest.approx(math.log(12 / 5), rel=1e-14)
    assert row["vi"] == pytest.approx(1 / 12 - 1 / 20 + 1 / 5 - 1 / 20, rel=1e-14)
    assert row["n"] == 40


def test_binary_zero_cell_correction_reaches_derivation():
    """metafor's add=1/2 (only0): OR with 0/15 vs 4/15 → log((0.5/15.5)/(4.5/11.5))."""
    studies = pd.DataFrame([_study("resp2021", "rct_parallel", "prp", "placebo")])
    table = from_outcomes(_binary_rows(0, 15, 4, 15), studies, outcome="responders", comparison="control", measure="OR")
    row = table.effects.iloc[0]
    assert row["yi"] == pytest.approx(math.log((0.5 / 15.5) / (4.5 / 11.5)), rel=1e-14)
    assert "added 0.5 to each cell" in row["derivation"]


def test_binary_rows_are_excluded_when_means_are_asked_for():
    studies = pd.DataFrame([_study("resp2021", "rct_parallel", "prp", "placebo")])
    table = from_outcomes(
        _binary_rows(12, 20, 5, 20), studies, outcome="responders", comparison="control", measure="MD"
    )
    assert table.effects.empty
    assert table.excluded.iloc[0]["reason"].startswith("event counts only; MD needs means")


def test_study_missing_from_studies_table_is_kept_under_its_id(coded):
    outcomes, studies = coded
    table = from_outcomes(
        outcomes, studies[studies["study_id"] != "par2020"], outcome="hair_density", comparison="control"
    )
    par = _by_study(table)["par2020"]
    assert par["label"] == "par2020" and par["design"] == "" and par["yi"] == 20.0


def test_empty_bi_is_filled_from_n1i_as_metafor_replmiss():
    """escalc fills bi = n1i − ai where bi is missing; same RR as the complete table."""
    frame = pd.DataFrame(
        {"ai": [3, 3], "bi": [np.nan, 7], "ci": [4, 4], "di": [6, 6], "n1i": [10, np.nan], "n2i": [10, 10]}
    )
    table = compute_effects(frame, "RR")
    assert table.loc[0, "yi"] == pytest.approx(table.loc[1, "yi"]) == pytest.approx(math.log(0.3 / 0.4))
    assert "derivation" not in table.columns


def test_infinite_cell_is_rejected(tmp_path):
    path = _write(tmp_path, "xi,ni\n3,inf\n")
    with pytest.raises(DataError, match=r":2:ni: not a finite number"):
        compute_effects(read_effect_input(path), "PR", source_name=str(path))


def _pct_change_rows(k: int) -> list[dict]:
    rows = []
    for i in range(k):
        sid = f"pct{i}"
        rows.append(
            _row(
                sid,
                "PRP",
                "single",
                "prp",
                12,
                n=10 + i,
                change_mean=20.0 + i,
                change_sd=5.0,
                unit="% change from baseline",
                outcome_id=f"{sid}-01",
            )
        )
    return rows


def test_raw_measure_kept_for_the_largest_unit_group_when_standardising_would_lose_more(coded):
    """Four %-change arms without a baseline SD (SMCR cannot use them) outnumber the three
    hairs/cm2 arms: MC on % change, the hairs/cm2 arms excluded for their unit."""
    outcomes, studies = coded
    table = from_outcomes(
        pd.concat([outcomes, pd.DataFrame(_pct_change_rows(4))]), studies, outcome="hair_density", comparison="baseline"
    )
    assert table.measure == "MC" and table.notes[0].startswith("MC in % change from baseline: units differ")
    assert set(table.effects["study_id"]) == {"pct0", "pct1", "pct2", "pct3"}
    assert table.effects.iloc[0]["vi"] == pytest.approx(25 / 10)
    reasons = dict(zip(table.excluded["study_id"], table.excluded["reason"]))
    assert reasons["single2023"] == "unit hairs/cm2 differs from % change from baseline, the unit used for MC"


def test_standardised_measure_when_it_keeps_more_rows(coded):
    """Two hairs/cm2 arms with baseline SDs vs one %-change arm: SMCR keeps two, MC at most two."""
    outcomes, studies = coded
    outcomes = outcomes[outcomes["study_id"] != "chg2021"]
    table = from_outcomes(
        pd.concat([outcomes, pd.DataFrame(_pct_change_rows(1))]), studies, outcome="hair_density", comparison="baseline"
    )
    assert table.measure == "SMCR"
    reasons = dict(zip(table.excluded["study_id"], table.excluded["reason"]))
    assert reasons["pct0"] == "SMCR needs the baseline SD, which is not reported"


def test_requested_md_with_mixed_units_says_so(coded):
    outcomes, studies = coded
    outcomes.loc[outcomes["study_id"] == "se2022", "unit"] = "hairs/0.65 cm2"
    table = from_outcomes(outcomes, studies, outcome="hair_density", comparison="control", measure="MD")
    assert "units differ (hairs/0.65 cm2, hairs/cm2) and are pooled as they are" in table.notes[0]


def test_uncoded_weeks_use_last_listed_timepoint_not_a_merge():
    """Two follow-ups of the same arm without coded weeks are not combined as two groups."""
    rows = [
        _row(
            "g2019",
            "AFSC",
            "single",
            "stem_cell",
            math.nan,
            n=33,
            change_mean=33.0,
            change_sd=7.5,
            timepoint="23 weeks after the last injection",
            outcome_id="g2019-01",
        ),
        _row(
            "g2019",
            "AFSC",
            "single",
            "stem_cell",
            math.nan,
            n=33,
            change_mean=27.0,
            change_sd=3.5,
            timepoint="44 weeks after the last injection",
            outcome_id="g2019-02",
        ),
    ]
    studies = pd.DataFrame([_study("g2019", "case_series", "stem_cell", "none")])
    table = from_outcomes(pd.DataFrame(rows), studies, outcome="hair_density", comparison="baseline")
    row = table.effects.iloc[0]
    assert row["yi"] == 27.0 and row["vi"] == pytest.approx(3.5**2 / 33) and row["outcome_ids"] == "g2019-02"
    assert "used the last listed follow-up ('44 weeks after the last injection')" in row["derivation"]
    assert math.isnan(row["timepoint_weeks"])


def test_duplicate_rows_of_one_arm_keep_the_best_reported(coded):
    outcomes, studies = coded
    dup = _row("par2020", "PRP", "intervention", "prp", 24, n=20, p_value=0.01, outcome_id="par2020-98")
    table = from_outcomes(
        pd.concat([outcomes, pd.DataFrame([dup])]), studies, outcome="hair_density", comparison="control"
    )
    par = _by_study(table)["par2020"]
    assert par["yi"] == 20.0 and "left out par2020-98" in par["derivation"]


def test_change_mean_without_sd_reason():
    rows = [
        _row("a2020", "MN+PRP", "intervention", "prp", 12, n=30, change_mean=14.6, outcome_id="a2020-01"),
        _row("a2020", "MN", "control", "comparator", 12, n=30, change_mean=10.8, outcome_id="a2020-02"),
    ]
    studies = pd.DataFrame([_study("a2020", "rct_parallel", "prp", "active")])
    table = from_outcomes(pd.DataFrame(rows), studies, outcome="hair_density", comparison="control")
    assert table.excluded.iloc[0]["reason"] == "change from baseline without its SD for arm MN+PRP"


def _p_value_study(paired: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shaped like thermsr1036 in the shipped data: mean changes 14.2 vs 11.6, p = 0.18 exact."""
    extra = {"within_person": "yes"} if paired else {}
    rows = [
        _row(
            "t2023",
            "PRP",
            "intervention",
            "prp",
            26,
            n=60,
            change_mean=14.2,
            p_value=0.18,
            p_operator="=",
            p_comparison="PRP vs minoxidil",
            outcome_id="t2023-01",
            **extra,
        ),
        _row("t2023", "minoxidil", "control", "comparator", 26, n=60, change_mean=11.6, outcome_id="t2023-02", **extra),
        _row(
            "t2023",
            "PRP+minoxidil",
            "intervention",
            "prp",
            26,
            n=60,
            change_mean=24.8,
            p_value=0.001,
            p_operator="<",
            outcome_id="t2023-03",
            **extra,
        ),
    ]
    studies = pd.DataFrame([_study("t2023", "rct_parallel", "prp", "active")])
    return pd.DataFrame(rows), studies


def test_se_from_exact_p_value_when_sds_are_missing():
    """Hand calculation (Cochrane 6.5.2.3): MD = 2.6, t = t⁻¹(1 − 0.18/2; 118 df), SE = 2.6/t."""
    from scipy.stats import t as student

    table = from_outcomes(*_p_value_study(), outcome="hair_density", comparison="control")
    row = table.effects.iloc[0]
    se = 2.6 / student.isf(0.09, 118)
    assert table.measure == "MD" and row["yi"] == pytest.approx(2.6, rel=1e-12)
    assert row["vi"] == pytest.approx(se**2, rel=1e-12) and row["n"] == 120
    assert row["outcome_ids"] == "t2023-01;t2023-02" and row["label"] == "t2023"
    assert "SE from the exact p-value (two-sample t test assumed)" in row["derivation"]
    assert "change-from-baseline scores" in row["derivation"]


def test_smd_from_exact_p_value_uses_implied_sd():
    table = from_outcomes(*_p_value_study(), outcome="hair_density", comparison="control", measure="SMD")
    from scipy.stats import t as student

    sd = (2.6 / student.isf(0.09, 118)) / math.sqrt(2 / 60)
    assert table.effects.iloc[0]["yi"] == pytest.approx(cmicalc(np.array([118.0]))[0] * 2.6 / sd, rel=1e-12)


def test_paired_p_value_uses_paired_df_and_refuses_smd():
    from scipy.stats import t as student

    md = from_outcomes(*_p_value_study(paired=True), outcome="hair_density", comparison="control")
    assert md.effects.iloc[0]["vi"] == pytest.approx((2.6 / student.isf(0.09, 59)) ** 2, rel=1e-12)
    smd = from_outcomes(*_p_value_study(paired=True), outcome="hair_density", comparison="control", measure="SMD")
    assert smd.effects.empty
    assert smd.excluded.iloc[0]["reason"] == "a paired SMD cannot be built from a p-value without the arms' SDs"


def test_inequality_p_value_gives_no_se():
    outcomes, studies = _p_value_study()
    outcomes.loc[0, "p_operator"] = "<"
    table = from_outcomes(outcomes, studies, outcome="hair_density", comparison="control")
    assert table.effects.empty
    assert table.excluded.iloc[0]["reason"].startswith("change from baseline without its SD")


@pytest.mark.parametrize(
    "header, message",
    [("xi,xi,ni", r"column 'xi' appears twice in the header \(columns 1 and 2\)"), ("xi,,ni", "column 2 has no name")],
)
def test_duplicate_or_empty_column_names_are_rejected(tmp_path, header, message):
    path = _write(tmp_path, header + "\n1,2,3\n")
    with pytest.raises(DataError, match=f":1: {message}"):
        read_effect_input(path)


def test_ragged_row_is_a_one_line_error(tmp_path):
    with pytest.raises(DataError, match=r"table\.csv:3: 3 cells, header has 2$"):
        read_effect_input(_write(tmp_path, "xi,ni\n1,2\n1,2,3\n"))


def test_ri_option_is_ignored_by_measures_without_ri():
    frame = pd.DataFrame({"xi": [3], "ni": [10]})
    assert list(compute_effects(frame, "PLO", ri=0.5).columns) == ["xi", "ni", "yi", "vi"]


def test_sd_from_t_based_ci_in_coded_rows(coded):
    """Hand calculation: 95% CI 150–170 with n = 20 → SD = √20·20/(2·t(0.975, 19))."""
    from scipy.stats import t as student

    outcomes, studies = coded
    at = outcomes.index[outcomes["outcome_id"] == "par2020-00"][0]
    outcomes.loc[at, ["sd", "ci_low", "ci_high", "ci_level"]] = [np.nan, 150.0, 170.0, 95.0]
    par = _by_study(from_outcomes(outcomes, studies, outcome="hair_density", comparison="control"))["par2020"]
    sd = math.sqrt(20) * 20 / (2 * student.ppf(0.975, 19))
    assert par["vi"] == pytest.approx(sd**2 / 20 + 625 / 18, rel=1e-12)
    assert "t(19 df) quantile" in par["derivation"]


def test_impossible_quartiles_become_an_exclusion_reason(coded):
    outcomes, studies = coded
    at = outcomes.index[outcomes["outcome_id"] == "iqr2022-18"][0]
    outcomes.loc[at, "q1"] = 130.0  # above the median
    table = from_outcomes(outcomes, studies, outcome="hair_density", comparison="baseline", intervention_family="prp")
    reasons = dict(zip(table.excluded["study_id"], table.excluded["reason"]))
    assert reasons["iqr2022"].startswith("cannot derive mean/SD from the coded values (median:")


def test_comparator_kinds_are_never_pooled_together(coded):
    placebo = from_outcomes(*coded, outcome="hair_density", comparison="placebo")
    active = from_outcomes(*coded, outcome="hair_density", comparison="active")
    assert "chg2021" not in set(placebo.effects["study_id"])
    assert set(active.effects["study_id"]) == {"chg2021"}
    reasons = dict(zip(active.excluded["study_id"], active.excluded["reason"]))
    assert reasons["par2020"] == "comparator is placebo, not active"
    control = from_outcomes(*coded, outcome="hair_density", comparison="control")
    assert set(control.effects["study_id"]) == set(placebo.effects["study_id"]) | {"chg2021"}
