"""Stage 6, effects and pooling: ``effects`` (escalc), ``pool``, ``diagnose``, ``forest`` and ``funnel``."""

from __future__ import annotations

from pathlib import Path

import typer

from hairmeta.evidence.cli.app import (
    DataDirOpt,
    ForceOpt,
    FormatOpt,
    KnhaOpt,
    LevelOpt,
    MethodOpt,
    app,
    emit,
    err,
    model_options,
    out,
    output_target,
    print_notes,
)
from hairmeta.evidence.present.formats import OutputFormat


@app.command()
def effects(
    input: Path = typer.Option(
        ...,
        "--input",
        "-i",
        help="CSV with metafor's column names (m1i, sd1i, n1i, …; ai, bi, ci, di; xi, ni; m1i, m2i, sd1i, sd2i, ni, ri).",
    ),
    measure: str = typer.Option(
        ...,
        "--measure",
        "-m",
        help="Effect measure: MD, SMD, SMDH, ROM, MC, SMCC, SMCR, RR, OR, RD, PR, PLO, PAS, PFT.",
    ),
    fmt: OutputFormat = FormatOpt,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the result to this file (CSV unless --format json) instead of stdout."
    ),
    vtype: str | None = typer.Option(None, "--vtype", help="Sampling-variance type as in metafor (default LS)."),
    ri: float | None = typer.Option(
        None,
        "--ri",
        help="Impute this pre-post correlation where the ri column is absent or empty (noted in derivation).",
    ),
    add: float | None = typer.Option(
        None, "--add", help="Zero-cell correction for 2x2 tables and proportions (metafor default 0.5; 0 for PAS/PFT)."
    ),
    to: str | None = typer.Option(None, "--to", help="Which rows get --add: only0 (default), all, if0all or none."),
    drop00: bool = typer.Option(
        False, "--drop00", help="Leave tables with no events (or only events) in both groups uncomputed."
    ),
    force: bool = ForceOpt,
) -> None:
    """Effect sizes yi and sampling variances vi for every row (metafor's escalc), appended to the input."""
    from hairmeta.evidence.meta.escalc import compute_effects, read_effect_input
    from hairmeta.evidence.present.output import write_output
    from hairmeta.evidence.present.render import render

    if output is not None:
        output_target(output, force, input)
    options = {
        k: v
        for k, v in (
            ("vtype", vtype and vtype.upper()),
            ("ri", ri),
            ("add", add),
            ("to", to),
            ("drop00", drop00 or None),
        )
        if v is not None
    }
    table = compute_effects(read_effect_input(input), measure, source_name=str(input), **options)
    skipped = int(table["yi"].isna().sum())
    if output is None:
        emit(out, table, fmt, title=f"{measure.upper()} effect sizes")
    else:
        write_output(output, render(table, "json" if fmt is OutputFormat.json else "csv"))
        err.print(f"wrote {len(table)} rows to {output}", markup=False, highlight=False)
    if skipped:
        err.print(
            f"{skipped} of {len(table)} rows have no yi/vi; see the derivation column", markup=False, highlight=False
        )


_EffectsOpt = typer.Option(
    None, "--effects", "-e", help="CSV with columns yi and vi (or yi and sei); optional study or label column."
)


_LabelOpt = typer.Option(None, "--label-column", help="Column with study labels (default: study, else label).")
_BayesOpt = typer.Option(
    False, "--bayes", help="Bayesian random-effects model (posterior by numerical integration, as R's bayesmeta)."
)
_TauPriorOpt = typer.Option(
    None,
    "--tau-prior",
    help="With --bayes: prior of tau, e.g. halfnormal:0.5, halfcauchy:S, halfstudentt:S:DF, uniform:UPPER, "
    "lognormal:MEAN:SD (tau^2), turner[:OUTCOME:COMPARISON], rhodes[:OUTCOME:COMPARISON[:AREA]]. "
    "Default by measure: half-normal(0.5) for log ratios and SMDs, half-normal(UISD/2) for MD/MC.",
)
_MuPriorOpt = typer.Option(None, "--mu-prior", help="With --bayes: prior of mu, uniform (default) or normal:MEAN:SD.")


def _require_effects(effects: Path | None) -> Path:
    if effects is None:
        raise typer.BadParameter("give --effects FILE", param_hint="--effects")
    return effects


def _emit_pooled(result, fmt: OutputFormat, title: str) -> None:
    """A MetaResult or SubgroupResult as a table, one CSV table or the JSON contract."""
    if fmt is OutputFormat.json:
        emit(out, result.to_dict(), fmt)
    elif hasattr(result, "subgroups"):
        frame = result.display_frame() if fmt is OutputFormat.table else result.to_frame()
        emit(out, frame, fmt, title=f"{title} by {result.by}")
        if fmt is OutputFormat.table:
            out.print(
                f"Test for subgroup differences (fixed-effect Q on subgroup estimates): "
                f"Q = {result.q_between:.4f}, df = {result.q_between_df}, p = {result.q_between_p:.4g}; "
                f"moderator test with common tau2: QM = {result.qm_common_tau2:.4f}, "
                f"p = {result.qm_common_tau2_p:.4g}",
                markup=False,
                highlight=False,
            )
    else:
        emit(out, result.to_dict() if fmt is OutputFormat.table else [result.to_dict()], fmt, title=title)


def _print_effect_table_notes(table) -> None:
    """Excluded rows and derivation notes of an EffectTable, on stderr."""
    for row in table.excluded.to_dict(orient="records"):
        err.print(f"Excluded {row.get('study_id')}: {row.get('reason')}", markup=False, highlight=False)
    if "derivation" in table.effects.columns:
        for label, how in zip(table.effects.get("label", table.effects["study_id"]), table.effects["derivation"]):
            err.print(f"{label}: {how}", markup=False, highlight=False)
    print_notes(table.notes)


@app.command("pool")
def pool_cmd(
    effects: Path | None = _EffectsOpt,
    method: str = MethodOpt,
    knha: bool | None = KnhaOpt,
    level: float = LevelOpt,
    data_dir: Path | None = DataDirOpt,
    by: str | None = typer.Option(None, "--by", help="Subgroup column: pool per level and test the difference."),
    label_column: str | None = _LabelOpt,
    outcome: str | None = typer.Option(
        None, "--outcome", help="Pool coded outcomes instead of a file, e.g. hair_density."
    ),
    comparison: str | None = typer.Option(
        None, "--comparison", help="With --outcome: placebo, active, untreated, control (any comparator) or baseline."
    ),
    family: str | None = typer.Option(None, "--family", help="With --outcome: intervention family (prp, exosome, …)."),
    condition: str | None = typer.Option(
        None, "--condition", help="With --outcome: condition, e.g. androgenetic alopecia."
    ),
    fmt: OutputFormat = FormatOpt,
    bayes: bool = _BayesOpt,
    tau_prior: str | None = _TauPriorOpt,
    mu_prior: str | None = _MuPriorOpt,
    mid: float | None = typer.Option(None, "--mid", help="With --bayes: also P(mu > MID), MID on the yi scale."),
    shortest: bool = typer.Option(False, "--shortest", help="With --bayes: shortest instead of central intervals."),
    measure: str | None = typer.Option(
        None, "--measure", help="With --bayes and --effects: the file's measure (e.g. MD), to choose the default prior."
    ),
) -> None:
    """Random-effects meta-analysis of an effects file (or of coded outcomes), as metafor's rma;
    with --bayes the Bayesian normal-normal model (bayesmeta's), for very few studies."""
    options = model_options(method, knha, level)
    if bayes:
        _pool_bayes(effects, outcome, comparison, family, condition, by, label_column, fmt,
                    dict(tau_prior=tau_prior, mu_prior=mu_prior, level=level, mid=mid, measure=measure,
                         interval="shortest" if shortest else "central"))  # fmt: skip
        return
    if outcome is not None:
        if comparison is None:
            raise typer.BadParameter("--outcome needs --comparison", param_hint="--comparison")
        from hairmeta.evidence.synthesis.contrasts import pool_outcomes

        pooled = pool_outcomes(
            outcome=outcome,
            comparison=comparison,
            intervention_family=family,
            condition=condition,
            options=options,
        )
        _print_effect_table_notes(pooled.table)
        result = pooled.fit
    elif by is not None:
        from hairmeta.evidence.meta.moderators import subgroup_file

        result = subgroup_file(_require_effects(effects), by, label_column=label_column, **options.as_kwargs())
    else:
        from hairmeta.evidence.meta.pooling import pool_file

        result = pool_file(_require_effects(effects), label_column=label_column, **options.as_kwargs())
    print_notes(getattr(result, "notes", ()))
    _emit_pooled(result, fmt, title="Pooled estimate")
    if outcome is not None and fmt is OutputFormat.table:
        _say_estimate(pooled.table, result.estimate)


def _say_estimate(table, estimate: float) -> None:
    """``MD +4.24 hairs/cm2 (higher = more hair); MD: mean difference`` under a pooled outcome."""
    import math

    from hairmeta.evidence.meta.measures import RATIO_MEASURES
    from hairmeta.evidence.tables.vocab import estimate_phrase, measure_legend

    if not math.isfinite(estimate):
        return
    units = set(table.effects["unit"].dropna().astype(str))
    value = math.exp(estimate) if table.measure in RATIO_MEASURES else estimate
    phrase = estimate_phrase(table.measure, value, table.outcome, units.pop() if len(units) == 1 else "")
    out.print(f"{phrase}; {measure_legend([table.measure])[0]}", markup=False, highlight=False)


def _pool_bayes(effects, outcome, comparison, family, condition, by, label_column, fmt, settings: dict) -> None:
    """``pool --bayes``: fit, print the notes, render the summary and the shrinkage estimates."""
    from hairmeta.evidence.errors import ModelError
    from hairmeta.evidence.meta.bayes import bayes_pool_effects, bayes_pool_file

    if by is not None:
        raise typer.BadParameter("--bayes does not combine with --by", param_hint="--by")
    if outcome is not None:
        if comparison is None:
            raise typer.BadParameter("--outcome needs --comparison", param_hint="--comparison")
        from hairmeta.evidence.synthesis.contrasts import from_outcomes

        table = from_outcomes(outcome=outcome, comparison=comparison, intervention_family=family, condition=condition)
        _print_effect_table_notes(table)
        if table.effects.empty:
            raise ModelError(f"no poolable effects for outcome {outcome!r} vs {comparison!r}")
        settings.pop("measure")
        result = bayes_pool_effects(table.effects, table.measure, **settings)
    else:
        result = bayes_pool_file(_require_effects(effects), label_column=label_column, **settings)
    print_notes(result.notes)
    if fmt is OutputFormat.json:
        emit(out, result.to_dict(), fmt)
        return
    summary = {k: v for k, v in result.to_dict().items() if k not in ("studies", "notes", "tau_prior", "mu_prior")}
    summary.update(tau_prior=result.tau_prior.spec, mu_prior=result.mu_prior.spec)
    emit(out, summary if fmt is OutputFormat.table else [summary], fmt, title=f"Bayesian estimate ({result.method})")
    if fmt is OutputFormat.table:
        emit(out, result.shrunken_frame(), fmt, title="Shrinkage estimates (posterior of each study's own effect)")


@app.command()
def diagnose(
    effects: Path | None = _EffectsOpt,
    method: str = MethodOpt,
    knha: bool | None = KnhaOpt,
    level: float = LevelOpt,
    order: str | None = typer.Option(
        None, "--order", help="Column ordering the cumulative analysis (e.g. year); default file order."
    ),
    label_column: str | None = _LabelOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Leave-one-out, cumulative meta-analysis, Egger's test, rank test and trim-and-fill."""
    from hairmeta.evidence.meta.diagnostics import diagnose_file

    report = diagnose_file(
        _require_effects(effects),
        order_column=order,
        label_column=label_column,
        **model_options(method, knha, level).as_kwargs(),
    )
    for name, why in report.skipped.items():
        err.print(f"Skipped {name}: {why}", markup=False, highlight=False)
    if fmt is not OutputFormat.table:
        emit(out, report.to_dict() if fmt is OutputFormat.json else report.to_frame(), fmt)
        return
    for sweep in (report.leave_one_out, report.cumulative):
        if sweep is not None:
            emit(out, sweep.display_frame(), fmt, title=f"{sweep.kind.capitalize()} ({sweep.method})")
    tests = report.tests_frame()
    if len(tests):
        emit(
            out, tests, fmt, title="Small-study effects: Egger regression, rank correlation, trim-and-fill (stat = k0)"
        )


@app.command()
def forest(
    effects: Path | None = _EffectsOpt,
    output: Path = typer.Option(..., "--output", "-o", help="forest.csv / .json (data) or forest.png / .svg (plot)."),
    method: str = MethodOpt,
    knha: bool | None = KnhaOpt,
    level: float = LevelOpt,
    transform: str | None = typer.Option(
        None, "--transform", help="Back-transform for display: exp (for log RR, OR, ROM)."
    ),
    title: str | None = typer.Option(None, "--title", help="Plot title."),
    label_column: str | None = _LabelOpt,
    fmt: OutputFormat = FormatOpt,
    bayes: bool = typer.Option(
        False, "--bayes", help="Add the Bayesian fit: shrinkage estimates beside the observed ones, as bayesmeta draws."
    ),
    tau_prior: str | None = _TauPriorOpt,
    mu_prior: str | None = _MuPriorOpt,
    force: bool = ForceOpt,
) -> None:
    """Export forest-plot data or draw a forest plot (studies, pooled, prediction interval, heterogeneity)."""
    from hairmeta.evidence.present.plots import forest_file

    output_target(output, force, effects)
    rows = forest_file(
        _require_effects(effects),
        output,
        transform=transform,
        title=title,
        label_column=label_column,
        bayes={"tau_prior": tau_prior, "mu_prior": mu_prior} if bayes else None,
        **model_options(method, knha, level).as_kwargs(),
    )
    err.print(f"wrote {output}", markup=False, highlight=False)
    emit(out, rows, fmt, title="Forest plot rows")


@app.command()
def funnel(
    effects: Path | None = _EffectsOpt,
    output: Path = typer.Option(..., "--output", "-o", help="funnel.png or funnel.svg."),
    method: str = MethodOpt,
    knha: bool | None = KnhaOpt,
    level: float = LevelOpt,
    title: str | None = typer.Option(None, "--title", help="Plot title."),
    label_column: str | None = _LabelOpt,
    fmt: OutputFormat = FormatOpt,
    force: bool = ForceOpt,
) -> None:
    """Draw a funnel plot (effect sizes against standard errors, pseudo-confidence region)."""
    from hairmeta.evidence.present.plots import funnel_file

    output_target(output, force, effects)
    summary_ = funnel_file(
        _require_effects(effects),
        output,
        label_column=label_column,
        title=title,
        **model_options(method, knha, level).as_kwargs(),
    )
    err.print(f"wrote {output}", markup=False, highlight=False)
    emit(out, summary_, fmt, title="Funnel plot")
