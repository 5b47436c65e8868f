"""Labeling functions, their figures and disagreements as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.server.presenters import item_text
from activelabel.server.rule_schemas import (
    DisagreementPublic,
    DisagreementsPublic,
    LabelingFunctionPublic,
    LabelingFunctionStatsPublic,
    RulesPublic,
    VoteFiguresPublic,
)
from activelabel.store.models import Item, LabelingFunction, Project

if TYPE_CHECKING:
    # Types only: the label model (numpy) loads when a route first needs it.
    from activelabel.loop.weak_stats import FunctionReport, ModelAccuracy, WeakReport
    from activelabel.weak.disagreements import Disagreement

__all__ = ["disagreements_public", "function_public", "rules_public"]


def function_public(
    function: LabelingFunction, figures: FunctionReport | None
) -> LabelingFunctionPublic:
    """A stored function, with ``figures`` (its row of the weak report) if any."""
    spec = function.spec or {}
    keywords = spec.get("keywords")
    pattern = spec.get("pattern")
    return LabelingFunctionPublic(
        name=function.name,
        kind=function.kind,
        label=function.label,
        keywords=[str(k) for k in keywords] if isinstance(keywords, list) else None,
        pattern=pattern if isinstance(pattern, str) else None,
        case_sensitive=(
            bool(spec["case_sensitive"]) if "case_sensitive" in spec else None
        ),
        enabled=function.enabled,
        disabled_reason=function.disabled_reason,
        version=function.version,
        applied=function.applied_version == function.version,
        created_at=function.created_at,
        stats=_stats(figures),
    )


def _stats(figures: FunctionReport | None) -> LabelingFunctionStatsPublic | None:
    if figures is None or figures.stats is None:
        return None
    stats = figures.stats
    return LabelingFunctionStatsPublic(
        coverage=stats.coverage,
        overlap=stats.overlap,
        conflict=stats.conflict,
        emitted={str(k): int(v) for k, v in stats.emitted.items()},
        accuracy=stats.accuracy,
        n_accuracy=stats.n_accuracy,
        estimated_accuracy=figures.estimated_accuracy,
    )


def _votes(figures: ModelAccuracy | None) -> VoteFiguresPublic | None:
    if figures is None:
        return None
    return VoteFiguresPublic(
        accuracy=figures.accuracy, n=figures.n, coverage=figures.coverage
    )


def rules_public(
    functions: Sequence[LabelingFunction], report: WeakReport
) -> RulesPublic:
    """The functions in the order they were added, each with its figures (only
    a function applied at its current version has figures)."""
    figures = {f.name: f for f in report.functions}
    data = [
        function_public(
            f, figures.get(f.name) if f.applied_version == f.version else None
        )
        for f in functions
    ]
    return RulesPublic(
        data=data,
        count=len(data),
        label_model=_votes(report.label_model),
        majority_vote=_votes(report.majority_vote),
    )


def disagreements_public(
    session: Session, project: Project, found: Sequence[Disagreement]
) -> DisagreementsPublic:
    """The disagreements with their items' texts, read in one query."""
    ids = [d.item_id for d in found]
    rows_of_items = session.execute(select(Item.id, Item.data).where(Item.id.in_(ids)))
    data: dict[int, dict[str, Any]] = {row[0]: row[1] for row in rows_of_items}
    rows = [
        DisagreementPublic(
            item_id=d.item_id,
            external_id=d.external_id or "",
            text=item_text(project, data.get(d.item_id) or {}),
            human=d.human,
            weak=d.weak,
            confidence=d.confidence,
            votes=dict(d.votes),
        )
        for d in found
    ]
    return DisagreementsPublic(data=rows, count=len(rows))
