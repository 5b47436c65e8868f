"""Review: the reviewers' queue, their decisions, the browse view, the counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from activelabel.loop.trainer import notify_trainer
from activelabel.server.deps import (
    ProjectDep,
    SessionDep,
    StoreDep,
    project_transaction,
)
from activelabel.server.review_presenters import (
    review_counts_public,
    review_item_public,
    review_page_public,
)
from activelabel.server.review_schemas import (
    BrowseQuery,
    ReviewCountsPublic,
    ReviewCreate,
    ReviewItemsPublic,
    ReviewPublic,
    ReviewQuery,
)
from activelabel.server.roles import Action, may, require
from activelabel.store.models import User
from activelabel.store.review_counts import review_counts
from activelabel.store.review_queue import browse_items, review_queue, review_row
from activelabel.store.reviews import review_item

router = APIRouter(prefix="/api/v1/projects/{name}", tags=["review"])

CanReview = Annotated[User, Depends(require(Action.REVIEW))]
CanReadAllLabels = Annotated[User, Depends(require(Action.READ_ALL_LABELS))]


@router.get("/review")
def read_review_queue(
    _: CanReview,
    project: ProjectDep,
    session: SessionDep,
    query: Annotated[ReviewQuery, Query()],
) -> ReviewItemsPublic:
    """Items waiting for review (or in the state asked for), conflicts first."""
    page = review_queue(
        session,
        project,
        query.filters(),
        order=query.ordering(),
        page=query.page,
        page_size=query.page_size,
    )
    return review_page_public(project, page)


@router.get("/review/counts")
def read_review_counts(
    _: CanReview, project: ProjectDep, session: SessionDep
) -> ReviewCountsPublic:
    """Items waiting for review, in conflict, accepted, corrected, rejected."""
    return review_counts_public(review_counts(session, project))


@router.post("/reviews", status_code=201)
def create_review(
    name: str, body: ReviewCreate, request: Request, store: StoreDep, user: CanReview
) -> ReviewPublic:
    """Accept, correct or reject an item's label; a rejected item goes back to
    the labeling queue with the note."""
    with project_transaction(store, name) as (session, project):
        review = review_item(
            session,
            project=project,
            item_id=body.item_id,
            decision=body.decision,
            reviewer=user,
            value=body.value,
            note=body.note,
            # Admins may review their own labels (one person on a local server).
            may_review_own=may(user, Action.CHANGE_ANY_LABEL),
        )
        public = ReviewPublic(
            id=review.id,
            item_id=review.item_id,
            decision=review.decision,
            value=review.value,
            note=review.note,
            reviewer=user.name,
            created_at=review.created_at,
            item=review_item_public(
                project, review_row(session, project, body.item_id)
            ),
        )
    notify_trainer(request, project.id)
    request.app.state.stats.forget(name)
    return public


@router.get("/browse")
def browse(
    _: CanReadAllLabels,
    project: ProjectDep,
    session: SessionDep,
    query: Annotated[BrowseQuery, Query()],
) -> ReviewItemsPublic:
    """Every item of the project (labeled or not) that passes the filters."""
    page = browse_items(
        session,
        project,
        query.filters(),
        order=query.ordering(),
        page=query.page,
        page_size=query.page_size,
    )
    return review_page_public(project, page)
