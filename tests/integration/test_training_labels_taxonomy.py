"""The training label of an item holds the parents a taxonomy added to a person's label."""

from __future__ import annotations

from typing import Any

from activelabel.loop.training_labels import training_labels
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Project
from activelabel.store.users import add_user


def test_a_taxonomy_row_folds_into_its_annotators_label_and_is_no_vote_of_its_own(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(
        task="multilabel",
        labels=("ml", "nlp", "transformers"),
        items=[{"text": "a"}, {"text": "b"}],
    )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        first, second = sorted(item.id for item in row.items)
        person = add_user(session, name="ann")[0].id
        add_annotation(
            session,
            project=row,
            item_id=first,
            value=["transformers"],
            annotator_id=person,
        )
        add_annotation(
            session,
            project=row,
            item_id=first,
            value=["nlp", "ml"],
            annotator_id=person,
            source="taxonomy",
        )
        add_annotation(
            session, project=row, item_id=second, value=["nlp"], annotator_id=person
        )
    with store.session() as session:
        labels = training_labels(session, project.id)
    assert sorted(labels[first]) == ["ml", "nlp", "transformers"]
    assert labels[second] == ["nlp"]
