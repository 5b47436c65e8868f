"""Annotations: create (idempotent by client_id), undo, edit, list history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from activelabel.loop.trainer import notify_trainer
from activelabel.server.deps import (
    ProjectDep,
    SessionDep,
    StoreDep,
    app_store,
    labeling_project,
    project_transaction,
)
from activelabel.server.presenters import annotation_public, json_response
from activelabel.server.roles import Action, AnnotationsReader, CanLabel, may
from activelabel.server.schemas import (
    MAX_ID,
    AnnotationCreate,
    AnnotationPublic,
    AnnotationsPublic,
    AnnotationUpdate,
    IdPath,
    IdQuery,
)
from activelabel.store.annotations import edit_label, recent_annotations, undo_label
from activelabel.store.reviews import newest_reviews
from activelabel.store.submit import submit_label

router = APIRouter(prefix="/api/v1/projects/{name}/annotations", tags=["annotations"])


@router.post("", status_code=201, response_model=AnnotationPublic)
def create_annotation(
    name: str,
    body: AnnotationCreate,
    request: Request,
    user: CanLabel,
) -> Response:
    """Label an item. Sending the same ``client_id`` again returns the stored label."""
    project = labeling_project(request, name)
    submitted = submit_label(
        app_store(request),
        project=project,
        item_id=body.item_id,
        value=body.value,
        annotator_id=user.id,
        session_id=body.session_id,
        client_id=body.client_id,
        accepted_suggestion=body.accepted_suggestion,
        seconds_spent=body.seconds_spent,
    )
    public = annotation_public(
        None,
        project,
        submitted.annotation,
        item=submitted.item,
        annotator=user.name,
    )
    notify_trainer(request, project.id)
    return json_response(public, status_code=201)


@router.post("/{annotation_id}/undo")
def undo(
    name: str,
    annotation_id: IdPath,
    request: Request,
    store: StoreDep,
    user: CanLabel,
) -> AnnotationPublic:
    """Withdraw a label; the item comes back to the front of the caller's queue."""
    with project_transaction(store, name) as (session, project):
        annotation = undo_label(
            session,
            project=project,
            annotation_id=annotation_id,
            user_id=user.id,
            any_annotator=may(user, Action.CHANGE_ANY_LABEL),
        )
        public = annotation_public(session, project, annotation)
    notify_trainer(request, project.id)
    return public


@router.patch("/{annotation_id}")
def edit(
    name: str,
    annotation_id: IdPath,
    body: AnnotationUpdate,
    request: Request,
    store: StoreDep,
    user: CanLabel,
) -> AnnotationPublic:
    """Change a label; the old one stays in history as superseded."""
    with project_transaction(store, name) as (session, project):
        annotation = edit_label(
            session,
            project=project,
            annotation_id=annotation_id,
            value=body.value,
            user_id=user.id,
            any_annotator=may(user, Action.CHANGE_ANY_LABEL),
        )
        public = annotation_public(session, project, annotation)
    notify_trainer(request, project.id)
    return public


@router.get("")
def list_annotations(
    user: AnnotationsReader,
    project: ProjectDep,
    session: SessionDep,
    mine: bool = True,
    limit: Annotated[int, Query(ge=1, le=MAX_ID)] = 50,
    before_id: IdQuery | None = None,
    status: Literal["active", "superseded", "undone", "rejected", "all"] = "active",
) -> AnnotationsPublic:
    """Recent annotations, newest first (the page's history)."""
    rows = recent_annotations(
        session,
        project_id=project.id,
        annotator_id=user.id if mine else None,
        status=None if status == "all" else status,
        limit=limit,
        before_id=before_id,
    )
    reviews = newest_reviews(
        session, project_id=project.id, item_ids=[i.id for _, i, _ in rows]
    )
    data = [
        annotation_public(
            session, project, a, item=i, annotator=name, review=reviews.get(i.id)
        )
        for a, i, name in rows
    ]
    return AnnotationsPublic(data=data, count=len(data))
