"""The model side of the loop: featurizers, feature cache, training, scoring.

Usable from a notebook without the server::

    from activelabel.ml import TextFeaturizer, train_model
    X = TextFeaturizer().fit_transform(texts)
    trained = train_model(X[labeled], y[labeled])
"""

from __future__ import annotations

from activelabel.ml.audio_features import AudioFeaturizer
from activelabel.ml.fast_scoring import (
    linear_logit_chunks,
    predict_proba_chunks,
)
from activelabel.ml.feature_cache import FeatureCache
from activelabel.ml.featurizer import Featurizer, content_hash
from activelabel.ml.image_features import ImageFeaturizer
from activelabel.ml.tabular_features import TabularFeaturizer
from activelabel.ml.text_features import SentenceEmbeddingFeaturizer, TextFeaturizer
from activelabel.ml.training import (
    MODEL_KINDS,
    TrainedModel,
    load_model_bytes,
    make_estimator,
    save_model_bytes,
    train_model,
)

__all__ = [
    "MODEL_KINDS",
    "AudioFeaturizer",
    "FeatureCache",
    "Featurizer",
    "ImageFeaturizer",
    "SentenceEmbeddingFeaturizer",
    "TabularFeaturizer",
    "TextFeaturizer",
    "TrainedModel",
    "content_hash",
    "linear_logit_chunks",
    "load_model_bytes",
    "make_estimator",
    "predict_proba_chunks",
    "save_model_bytes",
    "train_model",
]
