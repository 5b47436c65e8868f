"""The API's shapes of label quality: agreement between annotators, gold scores."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = [
    "AgreementPublic",
    "AnnotatorAgreementPublic",
    "GoldScorePublic",
    "GoldScoresPublic",
    "LabelAgreementPublic",
    "PairAgreementPublic",
]


class PairAgreementPublic(BaseModel):
    """Two annotators over the items both labeled."""

    a: str
    b: str
    items: int
    observed: float | None = Field(description="share of their decisions that agree")
    kappa: float | None = Field(description="Cohen's κ")
    f1: float | None = Field(description="F1 of their spans or boxes")


class LabelAgreementPublic(BaseModel):
    """One label: one-vs-rest κ and α, or the F1 of its spans or boxes."""

    label: str
    support: int
    fleiss_kappa: float | None
    krippendorff_alpha: float | None
    f1: float | None


class AnnotatorAgreementPublic(BaseModel):
    """One annotator against the others (pairs weighted by shared items)."""

    annotator: str
    items: int
    observed: float | None
    kappa: float | None
    f1: float | None


class AgreementPublic(BaseModel):
    """How much a project's annotators agree, on items two or more labeled."""

    project: str
    task: str
    measure: str = Field(
        description="single_label, label_set (a yes/no decision per label), "
        "exact_spans or matched_boxes (F1 between annotators)"
    )
    annotators: int
    labels_given: int
    items: int = Field(description="items labeled by two or more annotators")
    ratings: int
    observed: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None = Field(description="nominal")
    mean_pair_kappa: float | None
    mean_pair_f1: float | None
    pairs: list[PairAgreementPublic]
    labels: list[LabelAgreementPublic]
    per_annotator: list[AnnotatorAgreementPublic]


class GoldScorePublic(BaseModel):
    """One annotator's answers on gold items."""

    annotator: str
    answered: int
    correct: int
    accuracy: float | None


class GoldScoresPublic(BaseModel):
    """Each annotator's accuracy on the project's gold items."""

    gold_items: int
    gold_rate: float
    data: list[GoldScorePublic]
