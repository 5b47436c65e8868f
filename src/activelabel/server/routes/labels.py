"""A project's labels: likely mislabeled items, guidelines, schema changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError
from activelabel.server.deps import (
    ProjectCache,
    ProjectDep,
    SessionDep,
    StoreDep,
    project_transaction,
)
from activelabel.server.label_schemas import (
    AnnotatorQualityPublic,
    GuidelinesPublic,
    GuidelinesUpdate,
    LabelChangeCreate,
    LabelChangePublic,
    LabelChangesPublic,
    LabelIssuePublic,
    LabelIssuesPublic,
)
from activelabel.server.roles import Action, CanManage, CanRead, require
from activelabel.store.guidelines import (
    MAX_GUIDELINES_CHARS,
    ProjectGuidelines,
    read_guidelines,
    set_guidelines,
)
from activelabel.store.label_issues import annotator_quality, read_label_issues
from activelabel.store.label_schema import (
    add_label,
    label_history,
    rename_label,
    retire_label,
    retired_labels,
)
from activelabel.store.models import Project, User

router = APIRouter(prefix="/api/v1/projects/{name}", tags=["labels"])

CanReview = Annotated[User, Depends(require(Action.REVIEW))]


@router.get("/label-issues")
def read_label_issues_route(
    _: CanReview,
    project: ProjectDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=5_000)] = 100,
) -> LabelIssuesPublic:
    """Items whose label is likely wrong, most likely first (the last round's
    list: cleanlab on out-of-fold probabilities), and each annotator's
    quality with overlap (CROWDLAB)."""
    text_field = project.settings.text_column if project.modality == "text" else None
    issues = read_label_issues(session, project.id, text_field=text_field)
    figures = annotator_quality(session, project.id)
    note = None
    if not issues:
        note = (
            "No likely mislabeled items: no round has judged the labels yet, or "
            "the last one found none."
        )
    return LabelIssuesPublic(
        data=[
            LabelIssuePublic(
                rank=i.rank,
                item_id=i.item_id,
                external_id=i.external_id,
                text=i.text,
                given=i.given,
                suggested=i.suggested,
                quality=i.quality,
            )
            for i in issues[:limit]
        ],
        count=len(issues),
        model_version=issues[0].model_version if issues else None,
        annotators=[
            AnnotatorQualityPublic(
                name=name,
                quality=f["quality"],
                agreement=f["agreement"],
                labels=int(f["labels"]),
            )
            for name, f in sorted(figures.items(), key=lambda kv: kv[1]["quality"])
        ],
        note=note,
    )


def _guidelines(found: ProjectGuidelines) -> GuidelinesPublic:
    return GuidelinesPublic(
        markdown=found.markdown,
        updated_by=found.updated_by,
        updated_at=found.updated_at,
        labels_without_section=found.labels_without_section,
        max_chars=MAX_GUIDELINES_CHARS,
    )


@router.get("/guidelines")
def read_guidelines_route(
    _: CanRead, project: ProjectDep, session: SessionDep
) -> GuidelinesPublic:
    """The project's labeling guidelines in Markdown (empty when none)."""
    return _guidelines(read_guidelines(session, project))


@router.put("/guidelines")
def update_guidelines(
    name: str, body: GuidelinesUpdate, store: StoreDep, user: CanManage
) -> GuidelinesPublic:
    """Replace the guidelines (admins)."""
    with project_transaction(store, name) as (session, project):
        found = set_guidelines(session, project, body.markdown, user_id=user.id)
        return _guidelines(found)


def _changes(session: Session, project: Project) -> LabelChangesPublic:
    history = label_history(session, project.id)
    return LabelChangesPublic(
        data=[
            LabelChangePublic(
                id=c.id,
                change=c.change,
                label=c.label,
                new_label=c.new_label,
                items_touched=c.items_touched,
                changed_by=c.changed_by,
                created_at=c.created_at,
            )
            for c in history
        ],
        count=len(history),
        labels=list(project.labels),
        retired=retired_labels(session, project.id),
    )


@router.get("/label-changes")
def read_label_changes(
    _: CanRead, project: ProjectDep, session: SessionDep
) -> LabelChangesPublic:
    """The label schema's history: labels added, renamed, retired."""
    return _changes(session, project)


@router.post("/label-changes", status_code=201)
def change_labels(
    name: str,
    body: LabelChangeCreate,
    request: Request,
    store: StoreDep,
    user: CanManage,
) -> LabelChangesPublic:
    """Add, rename or retire a label (admins): a rename rewrites every stored
    value in one transaction; a retired label's items wait for review."""
    with project_transaction(store, name) as (session, project):
        if body.change == "add":
            add_label(session, project, body.label, key=body.key, user_id=user.id)
        elif body.change == "rename":
            if body.new_label is None:
                raise ConfigError("A rename needs new_label: the label's new name.")
            rename_label(session, project, body.label, body.new_label, user_id=user.id)
        else:
            retire_label(session, project, body.label, user_id=user.id)
        changes = _changes(session, project)
    # The labeling routes keep the project; they must see the new labels.
    cache: ProjectCache = request.app.state.projects
    cache.forget(name)
    request.app.state.stats.forget(name)
    return changes
