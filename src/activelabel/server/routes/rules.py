"""Labeling functions ("rules"): list with their figures, add keywords or a regex,
remove; the label model against majority vote; where rules and people disagree.

Reading is for reviewers and admins (``READ_ALL_LABELS``): the figures and the
disagreements are made of every annotator's labels. Changing the functions is
for admins (``MANAGE``). Python functions are code: they are added with the
CLI only and never run in a request. Every training round applies the
functions to what is new and fits the label model (``loop/weak_labels.py``),
so "apply now" is ``POST …/train``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from activelabel.server.deps import (
    ProjectDep,
    SessionDep,
    StoreDep,
    project_transaction,
)
from activelabel.server.roles import Action, CanManage, require
from activelabel.server.rule_presenters import (
    disagreements_public,
    function_public,
    rules_public,
)
from activelabel.server.rule_schemas import (
    DisagreementsPublic,
    LabelingFunctionCreate,
    LabelingFunctionPublic,
    RegexFunctionCreate,
    RulesPublic,
)
from activelabel.store.labeling_functions import (
    add_keyword_function,
    add_regex_function,
    list_labeling_functions,
    remove_labeling_function,
)
from activelabel.store.models import User

router = APIRouter(prefix="/api/v1/projects/{name}/rules", tags=["rules"])

CanReadRules = Annotated[User, Depends(require(Action.READ_ALL_LABELS))]


@router.get("")
def read_rules(
    _: CanReadRules, project: ProjectDep, session: SessionDep
) -> RulesPublic:
    """Every labeling function with its figures (coverage, overlap, conflict,
    labels emitted, accuracy on human labels), and the label model against
    majority vote."""
    functions = list_labeling_functions(session, project.id)
    # Imported on the first call: the label model's numpy is ~16 MiB of a
    # server whose projects may have no labeling functions.
    from activelabel.loop.weak_stats import weak_report

    return rules_public(functions, weak_report(session, project))


@router.post("", status_code=201)
def add_rule(
    name: str, body: LabelingFunctionCreate, store: StoreDep, _: CanManage
) -> LabelingFunctionPublic:
    """Add a keyword or regex function; it votes from the next application on."""
    with project_transaction(store, name) as (session, project):
        if isinstance(body, RegexFunctionCreate):
            function = add_regex_function(
                session, project, name=body.name, label=body.label, pattern=body.pattern
            )
        else:
            function = add_keyword_function(
                session,
                project,
                name=body.name,
                label=body.label,
                keywords=body.keywords,
                case_sensitive=body.case_sensitive,
            )
        return function_public(function, None)


@router.delete("/{function}", status_code=204)
def remove_rule(name: str, function: str, store: StoreDep, _: CanManage) -> Response:
    """Remove a function and its votes (the next round's label model leaves it out)."""
    with project_transaction(store, name) as (session, project):
        remove_labeling_function(session, project, function)
    return Response(status_code=204)


@router.get("/disagreements")
def read_disagreements(
    _: CanReadRules,
    project: ProjectDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> DisagreementsPublic:
    """Items whose human label the label model contradicts, most confident first:
    possible mislabels, or rules with a bug."""
    from activelabel.loop.weak_stats import weak_disagreements

    found = weak_disagreements(session, project, limit=limit)
    return disagreements_public(session, project, found)
