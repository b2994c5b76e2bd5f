"""Place one study against the literature: design, size, protocol, arms, effects, confounding.

Everything said here is generated from the coded tables (``studies.csv``, ``arms.csv``,
``outcomes.csv``) and the pooled fits; nothing about any particular study is written in code.

Level of evidence follows the Oxford Centre for Evidence-Based Medicine 2011 table for
treatment benefits (OCEBM Levels of Evidence Working Group, "The Oxford 2011 Levels of
Evidence", https://www.cebm.ox.ac.uk/resources/levels-of-evidence/ocebm-levels-of-evidence):
level 2 = randomised trial, 3 = non-randomised controlled cohort/follow-up study,
4 = case series, case–control or historically controlled study.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from scipy import special  # distribution functions as ufuncs: scipy.stats costs 0.3 s to import

from hairmeta.evidence.meta.options import DEFAULT, ModelOptions
from hairmeta.evidence.meta.pooling import pool
from hairmeta.evidence.synthesis.characteristics import (
    LOOSE_CONDITIONS,
    _fmt,
    _percentile_text,
    _range_text,
    arm_rows,
    characteristics,
    comparable_studies,
    confounders,
    level_of_evidence,
    percentile,
    study_families,
    study_row,
)
from hairmeta.evidence.synthesis.contrasts import from_outcomes
from hairmeta.evidence.tables.load import coded_tables
from hairmeta.evidence.tables.vocab import CONTROLLED_DESIGNS, label


@dataclass(frozen=True)
class Comparison:
    """The comparison of one study with the literature (plain data; see :func:`compare`)."""

    study: dict
    characteristics: list[dict]
    arms: list[dict]
    effects: list[dict]
    missing_numbers: list[dict]
    confounders: list[dict]
    controlled_evidence: list[dict]
    notes: list[str] = field(default_factory=list)
    claim: dict | None = None

    def to_dict(self) -> dict:
        """Plain data for JSON output and the report."""
        return {
            k: getattr(self, k)
            for k in (
                "study",
                "claim",
                "characteristics",
                "arms",
                "effects",
                "missing_numbers",
                "confounders",
                "controlled_evidence",
                "notes",
            )
        }

    def sections(self) -> list[tuple[str, pd.DataFrame]]:
        """Titled tables for a terminal or the report, in reading order."""
        sid = self.study["study_id"]
        arms = pd.DataFrame(
            [
                {
                    "arm": a["arm"],
                    "role": a["arm_role"],
                    "family": a["intervention_family"],
                    "n": _fmt(a["n"]),
                    "sex": a["sex"] or "not reported",
                    "age": _fmt(a["age_mean"]),
                    "sessions": _range_text(a["sessions_min"], a["sessions_max"]),
                    "follow-up (months)": _range_text(a["follow_up_months_min"], a["follow_up_months_max"]),
                    "verification": a["verification"],
                }
                for a in self.arms
            ]
        )
        return [
            (f"{sid} against the literature", _percentile_text(pd.DataFrame(self.characteristics))),
            (f"Arms of {sid} (as coded)", arms),
            ("Effects against the pooled literature", _percentile_text(pd.DataFrame(self.effects))),
            (
                "Numbers to code for a quantitative comparison (hairmeta outcomes add)",
                pd.DataFrame(self.missing_numbers),
            ),
            ("What confounds an arm-vs-arm claim", pd.DataFrame(self.confounders).fillna("")),
            (
                "Controlled evidence on the same contrast",
                pd.DataFrame(self.controlled_evidence, columns=["study_id", "design", "contrast", "status", "source"]),
            ),
        ]

    def to_frame(self) -> pd.DataFrame:
        """Every section in one long table (``section``, ``item``, ``field``, ``value``) for CSV."""
        rows = []
        for title, frame in self.sections():
            for i, record in enumerate(frame.to_dict(orient="records")):
                rows += [{"section": title, "item": i + 1, "field": k, "value": v} for k, v in record.items()]
        rows += [{"section": "notes", "item": i + 1, "field": "note", "value": n} for i, n in enumerate(self.notes)]
        return pd.DataFrame(rows, columns=["section", "item", "field", "value"])


def controlled_evidence(
    study: pd.Series, studies: pd.DataFrame, arms: pd.DataFrame, outcomes: pd.DataFrame
) -> list[dict]:
    """Other controlled studies (or registrations) in the data contrasting the same families.

    Status: ``registered, no results`` for trial registrations; ``results coded`` when the
    study has outcome rows with numbers; else ``no extractable numbers coded``.
    """
    fams = study_families(study, arms)
    if len(fams) < 2:
        return []
    rows = []
    for other in studies.itertuples(index=False):
        other = pd.Series(other._asdict())
        if other["study_id"] == study["study_id"]:
            continue
        if other["design"] not in CONTROLLED_DESIGNS | {"trial_registration"}:
            continue
        shared = study_families(other, arms) & fams
        if len(shared) < 2:
            continue
        rows.append(
            {
                "study_id": other["study_id"],
                "design": other["design"],
                "contrast": " vs ".join(sorted(shared)),
                "status": _result_status(other, outcomes),
                "citation": other.get("citation"),
                "source": other.get("source"),
            }
        )
    return rows


def _has_numbers(rows: pd.DataFrame) -> bool:
    stats_cols = [c for c in ("mean", "change_mean", "events", "median") if c in rows.columns]
    return bool(len(rows)) and bool(rows[stats_cols].notna().any().any())


def _result_status(study: pd.Series, outcomes: pd.DataFrame) -> str:
    if study["design"] == "trial_registration":
        return "registered, no results"
    rows = outcomes[outcomes["study_id"] == study["study_id"]]
    return "results coded" if _has_numbers(rows) else "no extractable numbers coded"


NEEDED = "n, mean and sd at baseline and at follow-up (or change_mean and change_sd), with unit"


def missing_numbers(
    study: pd.Series, arms: list[dict], outcomes: pd.DataFrame, usual_outcomes: list[str]
) -> list[dict]:
    """Which numbers would need coding (``hairmeta outcomes add``) for a quantitative comparison.

    One row per coded outcome row whose ``not_reported`` is non-empty; when the study has no
    outcome rows, one row per arm × the literature's most-coded outcomes.
    """
    rows = outcomes[outcomes["study_id"] == study["study_id"]]
    needed = []
    for r in rows.itertuples(index=False):
        missing = str(getattr(r, "not_reported", "") or "")
        if missing:
            needed.append(
                {
                    "arm": r.arm,
                    "outcome": r.outcome,
                    "timepoint": r.timepoint,
                    "not_reported": missing,
                    "needed": NEEDED,
                    "outcome_id": r.outcome_id,
                }
            )
    if rows.empty:
        for arm in arms:
            for outcome in usual_outcomes:
                needed.append(
                    {
                        "arm": arm["arm"],
                        "outcome": outcome,
                        "timepoint": "",
                        "not_reported": "no outcome row coded",
                        "needed": NEEDED,
                        "outcome_id": "",
                    }
                )
    return needed


def usual_outcomes(outcomes: pd.DataFrame, study_ids, top: int = 2) -> list[str]:
    """The ``top`` outcomes coded with numbers most often among ``study_ids``."""
    rows = outcomes[outcomes["study_id"].isin(study_ids)]
    rows = rows[rows[[c for c in ("mean", "change_mean") if c in rows.columns]].notna().any(axis=1)]
    return list(rows.groupby("outcome")["study_id"].nunique().sort_values(ascending=False).index[:top])


def _arm_rows_of(outcome_ids, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The coded (non-control) outcome rows behind an effect, from its ``outcome_ids``."""
    ids = outcome_ids if isinstance(outcome_ids, (list, tuple)) else str(outcome_ids).split(";")
    rows = outcomes[outcomes["outcome_id"].isin([str(i).strip() for i in ids])]
    return rows[rows["arm_role"] != "control"] if len(rows) > 1 else rows


def _effect_row(mine: pd.Series, others: pd.DataFrame, arm: str, *, options: ModelOptions) -> dict:
    """One arm's effect against the pooled others: CI, PI, percentile, consistency."""

    z = special.ndtri(0.5 + options.level / 200.0)
    row = {
        "arm": arm,
        "outcome": mine["outcome"],
        "comparison": mine["comparison"],
        "measure": mine["measure"],
        "yi": mine["yi"],
        "ci_low": mine["yi"] - z * mine["sei"],
        "ci_high": mine["yi"] + z * mine["sei"],
        "k_literature": len(others),
        "pooled": float("nan"),
        "pooled_ci_low": float("nan"),
        "pooled_ci_high": float("nan"),
        "pi_low": float("nan"),
        "pi_high": float("nan"),
        "percentile": percentile(mine["yi"], others["yi"]),
        "consistent": None,
        "derivation": mine.get("derivation") or "",
    }
    if len(others) >= 2:
        fit = pool(
            others["yi"].to_numpy(float),
            others["vi"].to_numpy(float),
            **options.as_kwargs(),
            labels=list(others["label"]),
        )
        row.update(
            pooled=fit.estimate,
            pooled_ci_low=fit.ci_low,
            pooled_ci_high=fit.ci_high,
            pi_low=fit.pi_low,
            pi_high=fit.pi_high,
            consistent=bool(fit.pi_low <= mine["yi"] <= fit.pi_high),
        )
    return row


def effect_rows(
    study: pd.Series,
    studies: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    options: ModelOptions = DEFAULT,
) -> list[dict]:
    """Each arm's coded effect against the literature's pooled estimate for the same outcome.

    Comparison is ``control`` for controlled designs, else ``baseline``; the literature is every
    other study with that outcome, comparison, family and (unless loosely coded) condition.
    """
    own = outcomes[outcomes["study_id"] == study["study_id"]]
    if not _has_numbers(own):
        return []

    comparison = "control" if study["design"] in CONTROLLED_DESIGNS else "baseline"
    condition = None if str(study.get("condition") or "") in LOOSE_CONDITIONS else study["condition"]
    rows = []
    for (outcome, family), _ in own.groupby(["outcome", "intervention_family"]):
        table = from_outcomes(
            outcomes, studies, outcome=outcome, comparison=comparison, intervention_family=family, condition=condition
        )
        effects = table.effects
        mine = effects[effects["study_id"] == study["study_id"]]
        others = effects[effects["study_id"] != study["study_id"]]
        for _, one in mine.iterrows():
            behind = _arm_rows_of(one["outcome_ids"], outcomes)
            if len(behind) and not (behind["intervention_family"] == family).any():
                continue  # another arm of a multi-family study
            arm = ";".join(dict.fromkeys(behind["arm"].astype(str)))
            rows.append(_effect_row(one, others, arm, options=options))
    return rows


def _contrast_notes(controlled: list[dict]) -> list[str]:
    """What the literature's controlled evidence says about the study's own arm contrast."""
    notes = []
    for contrast in sorted({c["contrast"] for c in controlled}):
        rows = [c for c in controlled if c["contrast"] == contrast]
        with_results = [c["study_id"] for c in rows if c["status"] == "results coded"]
        registered = [c["study_id"] for c in rows if c["status"] == "registered, no results"]
        if with_results:
            notes.append(f"controlled evidence on {contrast} with results coded: " + ", ".join(with_results))
        else:
            notes.append(
                f"no controlled comparison of {contrast} with results in the data"
                + (f"; registered without results: {', '.join(registered)}" if registered else "")
            )
    return notes


def study_claim(study: pd.Series, outcomes: pd.DataFrame, confounding: list[dict], has_numbers: bool) -> dict | None:
    """What the study's own text claims about its arms (the coded result quote), and why the data
    can or cannot support it: the confounders between its arms, and whether any number was reported.

    None when the study has no coded result sentence.
    """
    rows = outcomes[outcomes["study_id"] == study["study_id"]]
    if not {"quote", "source", "location"} <= set(rows.columns):
        return None
    quotes = list(dict.fromkeys(q for q in rows["quote"] if q))
    if not quotes:
        return None
    reasons = [f"{c['characteristic']}: {c['why']}" for c in confounding]
    if not has_numbers:
        reasons.insert(0, "no outcome number is reported (only words), so no effect can be computed or compared")
    return {
        "quote": " ... ".join(quotes),
        "source": rows["source"].iloc[0],
        "location": rows["location"].iloc[0],
        "supported": False if reasons else None,
        "why_not": reasons,
    }


def _notes(study: pd.Series, arms: list[dict], effects: list[dict], comparable, controlled: list[dict]) -> list[str]:
    notes = []
    secondary = [a for a in arms if a.get("verification") == "secondary"]
    if secondary:
        notes.append(
            f"arm characteristics of {study['study_id']} are secondary (verification="
            f"secondary: quoted from {secondary[0].get('source') or 'a secondary text'}, "
            "not from the study itself)"
        )
    if not effects:
        notes.append(
            f"{study['study_id']} has no extractable outcome numbers coded: the comparison is descriptive only"
        )
    notes += _contrast_notes(controlled)
    if str(study.get("condition") or "") in LOOSE_CONDITIONS:
        notes.append(
            f"condition coded as {label(study.get('condition') or '') or 'empty'}: compared with "
            f"studies of any condition ({len(comparable)} studies)"
        )
    return notes


def compare(
    study_id: str,
    *,
    studies: pd.DataFrame | None = None,
    arms: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
    options: ModelOptions = DEFAULT,
) -> Comparison:
    """Compare ``study_id`` with the literature in the shipped (or given) tables.

    Parameters
    ----------
    study_id : str
        A ``study_id`` of ``studies.csv`` (case-insensitive).
    studies, arms, outcomes : DataFrame, optional
        The tables; default: the shipped ones (:func:`~hairmeta.evidence.tables.load.coded_tables`).
    options : ModelOptions
        The model settings for the literature's pooled estimates.
    """
    tables = coded_tables(studies=studies, arms=arms, outcomes=outcomes)
    studies, arms, outcomes = tables.studies, tables.arms, tables.outcomes
    study = study_row(studies, study_id)
    comparable = comparable_studies(studies, study)
    arm_list = arm_rows(study, arms)
    effects = effect_rows(study, studies, outcomes, options=options)
    level_num, label = level_of_evidence(study["design"])
    head = {
        "study_id": study["study_id"],
        "citation": study.get("citation"),
        "design": study["design"],
        "design_label": label,
        "level_of_evidence": level_num,
        "condition": study.get("condition"),
        "intervention_family": study.get("intervention_family"),
        "n_total": study.get("n_total"),
        "comparable_studies": list(comparable["study_id"]),
        "source": study.get("source"),
        "quote": study.get("quote"),
    }
    controlled = controlled_evidence(study, studies, arms, outcomes)
    needed = (
        [] if effects else missing_numbers(study, arm_list, outcomes, usual_outcomes(outcomes, comparable["study_id"]))
    )
    return Comparison(
        study=head,
        characteristics=characteristics(study, arms, comparable),
        arms=arm_list,
        effects=effects,
        missing_numbers=needed,
        confounders=confounders(study, arm_list),
        controlled_evidence=controlled,
        notes=_notes(study, arm_list, effects, comparable, controlled),
        claim=study_claim(study, outcomes, confounders(study, arm_list), bool(effects)),
    )
