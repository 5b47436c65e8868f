"""Label quality: agreement between annotators, and their scores on gold items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from activelabel.server.deps import ProjectDep, SessionDep
from activelabel.server.quality_schemas import (
    AgreementPublic,
    GoldScorePublic,
    GoldScoresPublic,
)
from activelabel.server.roles import Action, CanManage, require
from activelabel.store.gold import count_gold, gold_scores
from activelabel.store.models import User

router = APIRouter(prefix="/api/v1/projects/{name}", tags=["quality"])

CanReadAllLabels = Annotated[User, Depends(require(Action.READ_ALL_LABELS))]


@router.get("/agreement")
def read_agreement(
    _: CanReadAllLabels, project: ProjectDep, session: SessionDep
) -> AgreementPublic:
    """How much the annotators agree (items labeled by two or more): Cohen's κ
    per pair, Fleiss' κ and Krippendorff's α per project and label, or F1
    between annotators for spans and boxes; each annotator against the others."""
    # Imported on the first call: numpy is ~16 MiB of a server that never
    # measures agreement otherwise.
    from activelabel.quality.project_agreement import agreement_of

    return AgreementPublic.model_validate(agreement_of(session, project).as_dict())


@router.get("/gold-scores")
def read_gold_scores(
    _: CanManage, project: ProjectDep, session: SessionDep
) -> GoldScoresPublic:
    """Each annotator's answered, correct and accuracy on the gold items."""
    scores = gold_scores(session, project.id)
    return GoldScoresPublic(
        gold_items=count_gold(session, project.id),
        gold_rate=project.settings.gold_rate,
        data=[
            GoldScorePublic(
                annotator=s.annotator,
                answered=s.answered,
                correct=s.correct,
                accuracy=s.accuracy,
            )
            for s in scores
        ],
    )
