"""Annotations: create (idempotent by client_id), undo, edit, list history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.exceptions import NotFoundError, PermissionDeniedError
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
from activelabel.store.annotations import edit_annotation, undo_annotation
from activelabel.store.dequeue import requeue_item
from activelabel.store.models import Annotation, Item, QuerySession, User
from activelabel.store.submit import submit_label

router = APIRouter(prefix="/api/v1/projects/{name}/annotations", tags=["annotations"])


def _notify(request: Request, project_id: int) -> None:
    trainer = getattr(request.app.state, "trainer", None)
    if trainer is not None:
        trainer.notify(project_id)


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
    _notify(request, project.id)
    return json_response(public, status_code=201)


def _own(
    session: Session, project_id: int, annotation_id: int, user: User
) -> Annotation:
    """The annotation, if it is in the project and the caller may change it."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None or annotation.project_id != project_id:
        raise NotFoundError(f"No annotation with id {annotation_id} in this project.")
    if annotation.annotator_id != user.id and not may(user, Action.CHANGE_ANY_LABEL):
        raise PermissionDeniedError(
            f"Annotation {annotation_id} was given by another annotator; only they "
            "or an admin can change it."
        )
    return annotation


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
        _own(session, project.id, annotation_id, user)
        annotation = undo_annotation(
            session, project=project, annotation_id=annotation_id
        )
        session_id = annotation.session_id or session.scalar(
            select(QuerySession.id)
            .where(QuerySession.project_id == project.id)
            .order_by(QuerySession.id.desc())
            .limit(1)
        )
        if session_id is None:
            undo_session = QuerySession(project_id=project.id, strategy="undo")
            session.add(undo_session)
            session.flush()
            session_id = undo_session.id
        requeue_item(
            session,
            project_id=project.id,
            item_id=annotation.item_id,
            user_id=user.id,
            session_id=session_id,
        )
        public = annotation_public(session, project, annotation)
    _notify(request, project.id)
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
        _own(session, project.id, annotation_id, user)
        annotation = edit_annotation(
            session, project=project, annotation_id=annotation_id, value=body.value
        )
        public = annotation_public(session, project, annotation)
    _notify(request, project.id)
    return public


@router.get("")
def list_annotations(
    user: AnnotationsReader,
    project: ProjectDep,
    session: SessionDep,
    mine: bool = True,
    limit: Annotated[int, Query(ge=1, le=MAX_ID)] = 50,
    before_id: IdQuery | None = None,
    status: Literal["active", "superseded", "undone", "all"] = "active",
) -> AnnotationsPublic:
    """Recent annotations, newest first (the page's history)."""
    limit = max(1, min(limit, 500))
    query = (
        select(Annotation, Item, User.name)
        .join(Item, Item.id == Annotation.item_id)
        .outerjoin(User, User.id == Annotation.annotator_id)
        .where(Annotation.project_id == project.id)
        .order_by(Annotation.id.desc())
        .limit(limit)
    )
    if mine:
        query = query.where(Annotation.annotator_id == user.id)
    if status != "all":
        query = query.where(Annotation.status == status)
    if before_id is not None:
        query = query.where(Annotation.id < before_id)
    rows = session.execute(query).all()
    data = [
        annotation_public(session, project, a, item=i, annotator=name)
        for a, i, name in rows
    ]
    return AnnotationsPublic(data=data, count=len(data))
