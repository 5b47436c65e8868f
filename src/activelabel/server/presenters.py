"""Turn store rows into the API's public shapes (kept out of the routes)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.keymap import (
    REVIEW_ACTIONS,
    actions_for,
    assign_keys,
    reserved_keys,
)
from activelabel.loop.automl_record import automl_summary
from activelabel.loop.model_notes import calibration_summary, featurizer_summary
from activelabel.project_config import (
    DEFAULT_FEATURIZER,
    FEATURIZERS,
    augment_default,
    augmentable,
)
from activelabel.server.schemas import (
    SCORE_METRICS,
    ActionKeysPublic,
    AnnotationPublic,
    ClassFiguresPublic,
    ModelFiguresPublic,
    ProjectPublic,
    Suggestion,
    Task,
    TaskSource,
    TextLayout,
)
from activelabel.store.leases import LeasedTask
from activelabel.store.models import Annotation, Item, Project, Review, User
from activelabel.store.predictions import PREDICTION_SOURCE
from activelabel.store.stats import project_stats
from activelabel.tasks import adapter_for

__all__ = [
    "annotation_public",
    "item_text",
    "json_response",
    "model_figures",
    "project_public",
    "suggestion_public",
    "task_public",
]

_COLD_START = {"cold_start", "representative"}


def json_response(model: BaseModel, *, status_code: int = 200) -> Response:
    """``model`` as a JSON response, serialized once.

    The hottest routes return this instead of the model: FastAPI would
    validate a returned model against the route's response model again
    before serializing it, work that a model built by our own presenters
    does not need. The route still declares ``response_model`` for /docs.
    """
    return Response(
        content=model.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
    )


def item_text(project: Project, data: dict[str, Any]) -> str | None:
    """The text to show for an item of a text project."""
    column = project.settings.text_column
    if project.modality != "text" or column is None:
        return None
    value = data.get(column)
    return None if value is None else str(value)


def project_public(
    session: Session, project: Project, *, with_counts: bool = True
) -> ProjectPublic:
    """A project as the page sees it, with its (possibly reassigned) keys."""
    settings = project.settings
    adapter = adapter_for(project.task)
    keys = assign_keys(project.labels, project.modality, settings.keys)
    items = labeled = 0
    if with_counts:
        stats = project_stats(session, project)
        items, labeled = stats.items, stats.labeled_items
    return ProjectPublic(
        name=project.name,
        task=project.task,
        editor=adapter.editor,
        modality=project.modality,
        labels=list(project.labels),
        keys=keys,
        actions=[
            ActionKeysPublic(
                action=a.action, keys=list(a.keys), description=a.description
            )
            # The page's actions, then the task editor's own (its keys win).
            for a in actions_for(project.modality, adapter.editor_actions)
        ],
        review_actions=[
            ActionKeysPublic(
                action=a.action, keys=list(a.keys), description=a.description
            )
            for a in actions_for(
                project.modality, adapter.editor_actions, REVIEW_ACTIONS
            )
        ],
        reserved_keys=reserved_keys(project.modality, adapter.editor_actions),
        parents={label: list(up) for label, up in settings.parents.items()},
        aliases=dict(settings.aliases),
        text_column=settings.text_column,
        retrain_every=settings.retrain_every,
        overlap=settings.overlap,
        overlap_share=settings.overlap_share,
        gold_rate=settings.gold_rate,
        auto_accept=settings.auto_accept,
        auto_accept_max=settings.auto_accept_max,
        auto_accept_audit=settings.auto_accept_audit,
        model=settings.model,
        automl_budget=settings.automl_budget,
        featurizer=settings.featurizer,
        featurizers=list(FEATURIZERS[project.modality]),
        default_featurizer=DEFAULT_FEATURIZER[project.modality],
        augment=settings.augment,
        augment_default=(
            augment_default(project.modality) if augmentable(project.modality) else None
        ),
        items=items,
        labeled_items=labeled,
    )


def _figure(metrics: dict[str, Any], name: str) -> float | None:
    value = metrics.get(name)
    return float(value) if isinstance(value, int | float) else None


def model_figures(
    name: str,
    cv_score: float | None,
    n_labels: int,
    created_at: dt.datetime,
    metrics: dict[str, Any] | None,
) -> ModelFiguresPublic:
    """A model version's figures for the progress panel, each under its name.

    ``cv_score`` alone misled: it is accuracy, which equals the majority
    class's share for a model that only ever answers the majority class.
    """
    metrics = metrics or {}
    multilabel = bool(metrics.get("multilabel"))
    # A span model names its figure (entity F1); classifiers stored none.
    stored_metric = metrics.get("score_metric")
    score_metric = (
        stored_metric
        if stored_metric in SCORE_METRICS
        else ("subset_accuracy" if multilabel else "accuracy")
    )
    per_class = {
        str(label): ClassFiguresPublic(
            precision=float(row.get("precision", 0.0)),
            recall=float(row.get("recall", 0.0)),
            support=int(row.get("support", 0)),
        )
        for label, row in (metrics.get("per_class") or {}).items()
        if isinstance(row, dict)
    }
    unlearned = metrics.get("unlearned")
    if not isinstance(unlearned, list):
        # Versions trained before "unlearned" was recorded: recall 0 says it.
        unlearned = [c for c, f in per_class.items() if f.support and not f.recall]
    note = metrics.get("cv_note")
    return ModelFiguresPublic(
        name=name,
        n_labels=n_labels,
        created_at=created_at,
        cv_score=cv_score,
        score_metric=score_metric,
        accuracy=_figure(metrics, score_metric),
        macro_f1=_figure(metrics, "macro_f1"),
        per_class=per_class,
        unlearned=[str(c) for c in unlearned],
        cv_note=note if isinstance(note, str) else None,
        model_summary=automl_summary(metrics.get("automl")),
        featurizer_summary=featurizer_summary(metrics.get("featurizer_choice")),
        calibration_summary=calibration_summary(metrics.get("calibration")),
    )


def _source_kind(
    strategy: str,
) -> Literal["random", "cold_start", "active_learning", "undo", "review"]:
    if strategy == "random":
        return "random"
    if strategy in _COLD_START:
        return "cold_start"
    if strategy == "undo":
        return "undo"
    if strategy == "review":
        return "review"
    return "active_learning"


def suggestion_public(
    value: Any, confidence: float | None, source: str | None
) -> Suggestion:
    """A queued suggestion as the page shows it, named by who made it
    (``prediction:<model name>`` for an imported prediction)."""
    if source is not None and source.startswith(PREDICTION_SOURCE):
        return Suggestion(
            label=value,
            confidence=confidence,
            source="prediction",
            model_name=source[len(PREDICTION_SOURCE) :],
        )
    return Suggestion(
        label=value,
        confidence=confidence,
        source="rules" if source == "rules" else "model",
    )


def task_public(
    project: Project, task: LeasedTask, *, review_note: str | None = None
) -> Task:
    """A leased item as the page shows it (``review_note``: a reviewer's, for
    an item sent back from review)."""
    kind = _source_kind(task.strategy)
    suggestion = None
    if task.suggestion is not None:
        suggestion = suggestion_public(
            task.suggestion, task.confidence, task.suggestion_source
        )
    text = item_text(project, task.data)
    layout = adapter_for(project.task).text_layout(project.settings, task.data, text)
    return Task(
        item_id=task.item_id,
        external_id=task.external_id,
        data=task.data,
        text=text,
        media_url=_media_url(project, task.item_id) if task.media_path else None,
        suggestion=suggestion,
        source=TaskSource(
            kind=kind,
            session_id=task.session_id,
            strategy=task.strategy,
            score=task.score,
        ),
        lease_expires_at=task.lease_expires_at,
        layout=None if layout is None else TextLayout.model_validate(layout),
        review_note=review_note,
    )


def annotation_public(
    session: Session | None,
    project: Project,
    annotation: Annotation,
    *,
    item: Item | None = None,
    annotator: str | None = None,
    review: Review | None = None,
) -> AnnotationPublic:
    """An annotation with its item's id and text and its annotator's name.

    Lists pass ``item`` and ``annotator`` from one joined query instead of a
    lookup per row; a caller that passes both needs no ``session``.
    ``review``: the item's newest review, shown when it came after the label.
    """
    if review is not None and review.created_at < annotation.created_at:
        review = None
    if item is None:
        assert session is not None, "pass the item, or a session to read it"
        item = session.get(Item, annotation.item_id)
        assert item is not None
    if annotator is None and annotation.annotator_id is not None:
        assert session is not None, "pass the annotator, or a session to read it"
        annotator = session.scalar(
            select(User.name).where(User.id == annotation.annotator_id)
        )
    return AnnotationPublic(
        id=annotation.id,
        item_id=annotation.item_id,
        external_id=item.external_id,
        value=annotation.value,
        annotator=annotator,
        source=annotation.source,
        status=annotation.status,
        session_id=annotation.session_id,
        seconds_spent=annotation.seconds_spent,
        accepted_suggestion=annotation.accepted_suggestion,
        created_at=annotation.created_at,
        updated_at=annotation.updated_at,
        text=item_text(project, item.data),
        data=item.data,
        media_url=_media_url(project, item.id) if item.media_path else None,
        review_state=None if review is None else review.decision,
        review_note=None if review is None else review.note,
    )


def _media_url(project: Project, item_id: int) -> str:
    return f"/api/v1/projects/{project.name}/items/{item_id}/media"
