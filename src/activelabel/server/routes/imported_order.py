"""The labeling order a queries file set (``import --as-queries``): its end."""

from __future__ import annotations

from fastapi import APIRouter, Request

from activelabel.server.deps import ProjectCache, StoreDep, project_transaction
from activelabel.server.roles import CanManage
from activelabel.server.schemas import ImportedOrderClearedPublic
from activelabel.store.imported_queries import clear_imported_order

router = APIRouter(prefix="/api/v1/projects/{name}", tags=["imported-order"])


@router.delete("/imported-order")
def clear_project_imported_order(
    name: str, request: Request, store: StoreDep, _: CanManage
) -> ImportedOrderClearedPublic:
    """Stop serving the order a queries file set, as `activelabel clear-queries
    NAME` does: its items return to the pool, ordered by the next round like
    the rest; items someone is labeling stay with them."""
    with project_transaction(store, name) as (session, project):
        cleared = clear_imported_order(session, project_id=project.id)
    # The queue's size changed.
    cache: ProjectCache = request.app.state.projects
    cache.forget(name)
    request.app.state.stats.forget(name)
    return ImportedOrderClearedPublic(removed=cleared.removed, held=cleared.held)
