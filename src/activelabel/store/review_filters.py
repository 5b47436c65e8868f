"""What a list of items is limited to and sorted by: the filters of the
reviewers' queue and the browse view, as SQL over :mod:`activelabel.store.review_columns`.

:class:`ItemFilters` and :class:`ItemOrder` are what a caller asks for;
:func:`list_conditions` turns the filters into the WHERE of the list's query,
:func:`columns_needed` says which parts of that query they read (so a list
that filters on nothing pays for nothing), and :func:`sort_key` gives the
column to sort by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import Integer, cast, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLColumnExpression

from activelabel.exceptions import ConfigError, UserNotFoundError
from activelabel.store.auto_labels import audit_sql
from activelabel.store.label_schema import retired_labels
from activelabel.store.models import Annotation, Item, Project, User
from activelabel.store.review_columns import COLUMN_NEEDS, ItemColumns, label_in

__all__ = [
    "SORT_KEYS",
    "STATE_FILTERS",
    "ItemFilters",
    "ItemOrder",
    "SortKey",
    "StateFilter",
    "columns_needed",
    "list_conditions",
    "sort_key",
]

StateFilter = Literal[
    "to_review", "accepted", "corrected", "rejected", "reviewed", "any"
]
#: The review states a list can be limited to (``to_review``: labeled, not
#: reviewed since; ``reviewed``: accepted, corrected or rejected).
STATE_FILTERS: Final = (
    "to_review",
    "accepted",
    "corrected",
    "rejected",
    "reviewed",
    "any",
)

SortKey = Literal[
    "id", "score", "confidence", "agreement", "updated", "issue_rank", "random"
]
#: What a list can be sorted by.
SORT_KEYS: Final = (
    "id",
    "score",
    "confidence",
    "agreement",
    "updated",
    "issue_rank",
    "random",
)


@dataclass(frozen=True)
class ItemFilters:
    """Which items a list shows; every filter given must hold."""

    state: StateFilter = "any"
    #: ``labeled`` / ``unlabeled``: items with or without an active label.
    labeled: Literal["any", "labeled", "unlabeled"] = "any"
    #: Items this user (by name) labeled.
    annotator: str | None = None
    #: Items whose label holds this label.
    label: str | None = None
    #: Items with an active label from this source (human, import, review...).
    source: str | None = None
    #: Only items whose annotators disagree, unsettled.
    conflicts: bool = False
    #: Only items whose stored model opinion (the queue's suggestion, the
    #: mislabel finder's, an imported prediction) differs from the label.
    model_disagrees: bool = False
    #: Only items whose agreement is below this share.
    max_agreement: float | None = None
    #: Only items a labeling function gives a label their label lacks.
    rule_conflicts: bool = False
    #: Only items on the mislabel finder's list.
    label_issues: bool = False
    #: Only items the model labeled itself that are in the audit share
    #: (``auto_accept_audit``; :mod:`activelabel.store.auto_labels`).
    audit: bool = False


@dataclass(frozen=True)
class ItemOrder:
    """How a list is sorted: by ``key`` (empty values last), then by item id."""

    key: SortKey = "id"
    descending: bool = False
    #: The random order's seed: the same seed gives the same order, page after page.
    seed: int = 0


def list_conditions(
    session: Session,
    project: Project,
    columns: ItemColumns,
    filters: ItemFilters,
    dialect: str,
) -> list[SQLColumnExpression[bool]]:
    """The WHERE of a list: one condition per filter given."""
    where: list[SQLColumnExpression[bool]] = []
    state = filters.state
    if state not in STATE_FILTERS:
        raise ConfigError(
            f"Unknown review state {state!r}; use one of {', '.join(STATE_FILTERS)}."
        )
    if state == "to_review":
        where.append(columns.state == "labeled")
        # Of the model's own labels only the audit share waits for review.
        where.append(
            ~(
                columns.model_labeled
                & ~audit_sql(Item.id, project.settings.auto_accept_audit)
            )
        )
    elif state == "reviewed":
        where.append(columns.state.in_(("accepted", "corrected", "rejected")))
    elif state != "any":
        where.append(columns.state == state)
    if filters.labeled == "labeled":
        where.append(columns.labeled)
    elif filters.labeled == "unlabeled":
        where.append(~columns.labeled)
    if filters.annotator is not None:
        user_id = session.scalar(select(User.id).where(User.name == filters.annotator))
        if user_id is None:
            raise UserNotFoundError(f"No user named {filters.annotator!r}.")
        where.append(
            select(literal(1))
            .where(
                Annotation.item_id == Item.id,
                Annotation.annotator_id == user_id,
                Annotation.status.in_(("active", "rejected")),
            )
            .exists()
        )
    if filters.label is not None:
        # A retired label's items are still listed, so reviewers can relabel them.
        if filters.label not in project.labels and filters.label not in (
            retired_labels(session, project.id)
        ):
            raise ConfigError(
                f"{filters.label!r} is not a label of {project.name!r}; its labels "
                f"are {', '.join(project.labels)}."
            )
        wanted = literal(filters.label)
        # A JSON NULL holds no label, on both databases.
        where.append(
            label_in(columns.final_text, wanted, dialect)
            | (
                columns.final_text.is_(None)
                & columns.labeled
                & (
                    label_in(columns.min_text, wanted, dialect)
                    | label_in(columns.max_text, wanted, dialect)
                )
            )
        )
    if filters.source is not None:
        where.append(
            select(literal(1))
            .where(
                Annotation.item_id == Item.id,
                Annotation.source == filters.source,
                Annotation.status == "active",
            )
            .exists()
        )
    if filters.conflicts:
        where.append(columns.conflict)
    if filters.model_disagrees:
        where.append(columns.model_disagrees)
    if filters.max_agreement is not None:
        where.append(columns.agreement < filters.max_agreement)
    if filters.rule_conflicts:
        where.append(columns.rule_conflict)
    if filters.label_issues:
        where.append(columns.issue_rank.is_not(None))
    if filters.audit:
        where.append(
            columns.model_labeled
            & audit_sql(Item.id, project.settings.auto_accept_audit)
        )
    return where


def columns_needed(
    filters: ItemFilters, order: ItemOrder, conflicts_first: bool
) -> frozenset[str]:
    """The parts of the items' query a list's filters and sort read."""
    used = [
        ("state", filters.state != "any"),
        ("labeled", filters.labeled != "any"),
        ("final_text", filters.label is not None),
        ("conflict", filters.conflicts or conflicts_first),
        ("model_disagrees", filters.model_disagrees),
        ("agreement", filters.max_agreement is not None),
        ("rule_conflict", filters.rule_conflicts),
        ("issue_rank", filters.label_issues),
        ("model_labeled", filters.audit),
        ({"updated": "updated_at"}.get(order.key, order.key), True),
    ]
    needs: frozenset[str] = frozenset()
    for column, wanted in used:
        if wanted:
            needs |= COLUMN_NEEDS.get(column, frozenset())
    return needs


def sort_key(columns: ItemColumns, order: ItemOrder) -> SQLColumnExpression[Any]:
    """The column a list is sorted by (raises ``ConfigError`` for an unknown key)."""
    if order.key not in SORT_KEYS:
        raise ConfigError(
            f"Unknown sort key {order.key!r}; use one of {', '.join(SORT_KEYS)}."
        )
    if order.key == "random":
        # A fixed permutation of ids (Knuth's multiplicative hash): the same
        # seed gives the same order on every page, on both databases.
        seed = int(order.seed) % 4_294_967_296
        return (
            cast(columns.item_id, Integer) * literal(2_654_435_761) + literal(seed)
        ) % literal(4_294_967_296)
    keys: dict[str, SQLColumnExpression[Any]] = {
        "id": columns.item_id,
        "score": columns.score,
        "confidence": columns.confidence,
        "agreement": columns.agreement,
        "updated": columns.updated_at,
        "issue_rank": columns.issue_rank,
    }
    return keys[order.key]
