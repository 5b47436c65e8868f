"""The queue as the page sees it: lease the next items, skip one."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from activelabel.server.deps import (
    CurrentUser,
    StoreDep,
    app_store,
    labeling_transaction,
    project_transaction,
)
from activelabel.server.presenters import json_response, task_public
from activelabel.server.schemas import TasksPublic, TasksRequest
from activelabel.store.leases import lease_tasks, leases_only, release_item
from activelabel.store.stats import queue_status

router = APIRouter(prefix="/api/v1/projects/{name}/tasks", tags=["tasks"])


@router.post("/next", response_model=TasksPublic)
def next_tasks(
    name: str, body: TasksRequest, request: Request, user: CurrentUser
) -> Response:
    """Lease up to ``n`` items to the caller (theirs first, then the best free ones)."""
    with labeling_transaction(app_store(request), name) as (session, project):
        leases_only(session)
        leased = lease_tasks(
            session,
            project_id=project.id,
            user_id=user.id,
            n=body.n,
            exclude=body.exclude,
        )
        status = queue_status(session, project_id=project.id)
    trainer = getattr(request.app.state, "trainer", None)
    if trainer is not None and status.size - len(leased) < trainer.low_water:
        trainer.notify(project.id)
    return json_response(
        TasksPublic(
            data=[task_public(project, t) for t in leased],
            queue_size=status.size,
            model_version=status.model.name if status.model else None,
        )
    )


@router.post("/{item_id}/skip", status_code=204)
def skip_task(name: str, item_id: int, store: StoreDep, user: CurrentUser) -> Response:
    """Give the item back and move it to the end of the queue."""
    with project_transaction(store, name) as (session, project):
        release_item(
            session,
            project_id=project.id,
            item_id=item_id,
            user_id=user.id,
            to_back=True,
        )
    return Response(status_code=204)
