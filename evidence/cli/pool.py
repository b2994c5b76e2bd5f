"""Stage 6, effects and pooling: ``effects`` (escalc), ``pool``, ``diagnose``, ``forest`` and ``funnel``."""

from __future__ import annotations

from pathlib import Path

import typer

from hairmeta.evidence.cli.app import FormatOpt, KnhaOpt, LevelOpt, MethodOpt, app, err, model_options, out, print_notes
from hairmeta.evidence.present.render import OutputFormat, emit


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
) -> None:
    """Effect sizes yi and sampling variances vi for every row (metafor's escalc), appended to the input."""
    from hairmeta.evidence.meta.escalc import compute_effects, read_effect_input
    from hairmeta.evidence.present.render import render

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
        output.write_text(render(table, "json" if fmt is OutputFormat.json else "csv"), encoding="utf-8")
        err.print(f"wrote {len(table)} rows to {output}", markup=False, highlight=False)
    if skipped:
        err.print(
            f"{skipped} of {len(table)} rows have no yi/vi; see the derivation column", markup=False, highlight=False
        )


_EffectsOpt = typer.Option(
    None, "--effects", "-e", help="CSV with columns yi and vi (or yi and sei); optional study or label column."
)


_LabelOpt = typer.Option(None, "--label-column", help="Column with study labels (default: study, else label).")


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
) -> None:
    """Random-effects meta-analysis of an effects file (or of coded outcomes), as metafor's rma."""
    options = model_options(method, knha, level)
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
) -> None:
    """Export forest-plot data or draw a forest plot (studies, pooled, prediction interval, heterogeneity)."""
    from hairmeta.evidence.present.plots import forest_file

    rows = forest_file(
        _require_effects(effects),
        output,
        transform=transform,
        title=title,
        label_column=label_column,
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
) -> None:
    """Draw a funnel plot (effect sizes against standard errors, pseudo-confidence region)."""
    from hairmeta.evidence.present.plots import funnel_file

    summary_ = funnel_file(
        _require_effects(effects),
        output,
        label_column=label_column,
        title=title,
        **model_options(method, knha, level).as_kwargs(),
    )
    err.print(f"wrote {output}", markup=False, highlight=False)
    emit(out, summary_, fmt, title="Funnel plot")
