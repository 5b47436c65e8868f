"""The queue as the page sees it: lease the next items, skip one."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from activelabel.loop.trainer import notify_trainer
from activelabel.server.deps import (
    StoreDep,
    app_store,
    labeling_project,
    project_transaction,
)
from activelabel.server.presenters import json_response, task_public
from activelabel.server.roles import CanLabel
from activelabel.server.schemas import IdPath, TasksPublic, TasksRequest
from activelabel.store.lease_conflicts import skip_item
from activelabel.store.next_tasks import next_tasks
from activelabel.store.reviews import notes_for_sent_back

router = APIRouter(prefix="/api/v1/projects/{name}/tasks", tags=["tasks"])


@router.post("/next", response_model=TasksPublic)
def next_tasks_route(
    name: str, body: TasksRequest, request: Request, user: CanLabel
) -> Response:
    """Lease up to ``n`` items to the caller (theirs first, then the best free ones)."""
    project = labeling_project(request, name)
    settings = project.settings
    leased = next_tasks(
        app_store(request),
        project_id=project.id,
        user_id=user.id,
        n=body.n,
        exclude=body.exclude,
        top_up=getattr(request.app.state, "queue_top_up", None),
        overlap=settings.overlap,
        overlap_share=settings.overlap_share,
        # Looked up only when gold items are mixed in: at rate 0 nothing runs.
        gold=getattr(request.app.state, "gold", None) if settings.gold_rate else None,
        gold_rate=settings.gold_rate,
    )
    notify_trainer(
        request, project.id, queue_left=leased.queue.size - len(leased.tasks)
    )
    model = leased.queue.model
    notes = notes_for_sent_back(
        app_store(request), project_id=project.id, tasks=leased.tasks
    )
    return json_response(
        TasksPublic(
            data=[
                task_public(project, t, review_note=notes.get(t.item_id))
                for t in leased.tasks
            ],
            queue_size=leased.queue.size,
            model_version=model.name if model else None,
        )
    )


@router.post("/{item_id}/skip", status_code=204)
def skip_task(name: str, item_id: IdPath, store: StoreDep, user: CanLabel) -> Response:
    """Give the item back and move it to the end of the queue.

    An item leased to another annotator is refused (409) and keeps its lease.
    """
    with project_transaction(store, name) as (session, project):
        skip_item(session, project=project, item_id=item_id, user_id=user.id)
    return Response(status_code=204)
