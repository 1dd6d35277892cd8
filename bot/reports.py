"""Catalogue check reports in the reader's language: problems, counts and what a load changed.

Used by `drogowskaz catalog` and by the admins' /reload, so both say the same thing.
"""

from __future__ import annotations

from datetime import date

from bot.i18n import t, tn
from bot.render import unit_label
from catalog.freshness import freshness_of
from catalog.model import Catalog, CatalogDiff
from catalog.validation import Problem, Report

SEPARATOR = " · "
MAX_IDS_SHOWN = 20


def render_problem(problem: Problem, lang: str) -> str:
    """'line 12 · mopr-siedlce / mopr-x · unknown situation 'przemoc' — did you mean …?'."""
    parts: list[str] = []
    if problem.line is not None:
        parts.append(t(f"catalog.where.{problem.unit}", lang, number=problem.line))
    ids = [i for i in (problem.institution_id, problem.service_id) if i]
    if ids:
        parts.append(" / ".join(ids))
    params = dict(problem.params)
    if problem.places:  # 'Siedlce (gmina miejska), powiat siedlecki, …, TERYT 1464011; …'
        params["candidates"] = "; ".join(
            unit_label(unit, lang, teryt=True) for unit in problem.places
        )
    message = t(problem.code, lang, **params)
    if problem.hint is not None:
        message += " — " + t(problem.hint.code, lang, **problem.hint.params)
    parts.append(message)
    return SEPARATOR.join(parts)


def render_report(report: Report, lang: str) -> list[str]:
    """Every problem, errors first, then the counts."""
    lines: list[str] = []
    if report.errors:
        lines.append(t("catalog.cli.errors_title", lang))
        lines.extend(f"  {render_problem(problem, lang)}" for problem in report.errors)
    if report.warnings:
        lines.append(t("catalog.cli.warnings_title", lang))
        lines.extend(f"  {render_problem(problem, lang)}" for problem in report.warnings)
    lines.append(render_counts(report, lang))
    return lines


def render_counts(report: Report, lang: str) -> str:
    """'2 errors, 1 warning' and, when the file is usable, what it holds."""
    counts = ", ".join(
        (
            tn("catalog.cli.errors", len(report.errors), lang),
            tn("catalog.cli.warnings", len(report.warnings), lang),
        )
    )
    if report.catalog is None:
        return t("catalog.cli.refused", lang, counts=counts)
    return t(
        "catalog.cli.usable",
        lang,
        counts=counts,
        name=report.catalog.name,
        institutions=tn("common.institutions", len(report.catalog.institutions), lang),
        services=tn("catalog.cli.services", len(report.catalog.services), lang),
    )


def render_diff(diff: CatalogDiff, lang: str) -> list[str]:
    """Services added, removed and changed, by id (long lists shortened)."""
    if diff.is_empty:
        return [t("catalog.cli.unchanged", lang)]
    lines = []
    for key, ids in (
        ("catalog.cli.added", diff.added),
        ("catalog.cli.removed", diff.removed),
        ("catalog.cli.changed", diff.changed),
    ):
        if ids:
            shown = ", ".join(ids[:MAX_IDS_SHOWN])
            if len(ids) > MAX_IDS_SHOWN:
                shown += ", …"
            lines.append(t(key, lang, count=len(ids), ids=shown))
    return lines


def render_freshness(catalog: Catalog, lang: str, today: date, *, limit: int = 10) -> list[str]:
    """Warnings for data never confirmed or confirmed over a year ago, and the oldest entries
    to confirm first (`catalog check`, /check)."""
    found = freshness_of(catalog, today)
    lines: list[str] = []
    if found.never:
        lines.append(tn("catalog.freshness.never", len(found.never), lang))
    if found.stale:
        lines.append(
            tn("catalog.freshness.stale", len(found.stale), lang, since=found.since.isoformat())
        )
    oldest = found.oldest(limit)
    if oldest:
        lines.append(t("catalog.freshness.oldest", lang))
        for service in oldest:
            when = service.checked.isoformat() if service.checked else "—"
            lines.append(f"  {when} · {service.institution.id} / {service.id}")
    return lines
