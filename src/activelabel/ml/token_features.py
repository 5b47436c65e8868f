"""Per-token feature dicts for a sequence model (a CRF over python-crfsuite).

For every token of a sentence :func:`sentence_features` gives a dict that
python-crfsuite reads directly: a string value ``{"w": "eu"}`` becomes the
attribute ``w:eu``, a float value is the attribute's weight. A token's dict
holds

* ``w`` the lower-cased word, ``shape`` its compressed shape (``Xx``, ``d``,
  ``Xx.``: see :func:`word_shape`), ``p1``–``p3`` and ``s1``–``s3`` its
  prefixes and suffixes of 1 to 3 characters;
* ``title``, ``upper``, ``digit`` (weight 1.0) only when true: an attribute of
  weight 0 changes nothing in a CRF, so leaving it out saves memory and time;
* the words around it, ``-2:w`` ``-1:w`` ``+1:w`` ``+2:w`` (with their shapes
  for ±1), and ``BOS`` / ``EOS`` on the first and last token.

Nothing here depends on a language: case features are simply absent for
scripts without case (Arabic, Chinese), the shape maps every caseless letter
to ``a`` (so a run of Chinese characters or an Arabic word is ``a``), and
affixes are taken over Unicode characters, so an Arabic prefix such as ``ال``
is a feature as it is.

Speed: a round featurizes every unlabeled sentence (100,000 of them), so the
part of a token's dict that depends on the word alone is computed once per
distinct word and kept in a bounded cache; each token then costs one dict copy
and a few insertions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Final

__all__ = [
    "CONTEXT_WINDOW",
    "TokenFeatures",
    "context_features",
    "iter_sentences_features",
    "sentence_features",
    "sentences_features",
    "word_features",
    "word_shape",
]

#: One token's features: attribute name -> string value or float weight.
TokenFeatures = dict[str, str | float]

#: Distinct words whose own features are kept; past this the cache is cleared
#: (a plain dict is faster than an LRU and a pool's vocabulary rarely gets here).
_CACHE_LIMIT: Final = 200_000
_word_cache: dict[str, tuple[TokenFeatures, str, str]] = {}


#: The neighbours a token's features name: offset -> which of the neighbour's
#: features ("w" its lower-cased form, "shape" its shape), named ``-1:w`` etc.
#: :mod:`activelabel.ml.crf_marginals` builds the same features from this.
CONTEXT_WINDOW: Final[tuple[tuple[int, tuple[str, ...]], ...]] = (
    (-2, ("w",)),
    (-1, ("w", "shape")),
    (1, ("w", "shape")),
    (2, ("w",)),
)
_WHICH: Final = {"w": 0, "shape": 1}
_WINDOW_KEYS: Final = tuple(
    (offset, tuple((_WHICH[name], f"{offset:+d}:{name}") for name in names))
    for offset, names in CONTEXT_WINDOW
)


def context_features(word: str) -> dict[str, str]:
    """What a neighbour's features say about ``word``: ``{"w": ..., "shape": ...}``."""
    _, lower, shape = _own_features(word)
    return {"w": lower, "shape": shape}


def word_features(word: str) -> TokenFeatures:
    """The features of a token that depend on its word alone (a shared dict:
    do not change it)."""
    return _own_features(word)[0]


def word_shape(word: str) -> str:
    """The word's compressed shape: ``X`` upper, ``x`` lower, ``d`` digit,
    ``a`` a letter without case, any other character as itself, with runs of
    the same class collapsed (``Reuters`` -> ``Xx``, ``1996-08-22`` -> ``d-d-d``,
    ``北京`` -> ``a``). Long shapes keep their first 8 classes."""
    out: list[str] = []
    last = ""
    for ch in word:
        if ch.isdigit():
            c = "d"
        elif ch.isupper():
            c = "X"
        elif ch.islower():
            c = "x"
        elif ch.isalpha():
            c = "a"
        else:
            c = ch
        if c != last:
            out.append(c)
            last = c
            if len(out) == 8:
                break
    return "".join(out)


def _own_features(word: str) -> tuple[TokenFeatures, str, str]:
    """Features of ``word`` alone, its lower-cased form and its shape (cached)."""
    cached = _word_cache.get(word)
    if cached is not None:
        return cached
    lower = word.lower()
    shape = word_shape(word)
    feats: TokenFeatures = {
        "bias": 1.0,
        "w": lower,
        "shape": shape,
        "p1": lower[:1],
        "p2": lower[:2],
        "p3": lower[:3],
        "s1": lower[-1:],
        "s2": lower[-2:],
        "s3": lower[-3:],
    }
    if word.istitle():
        feats["title"] = 1.0
    if word.isupper():
        feats["upper"] = 1.0
    if word.isdigit():
        feats["digit"] = 1.0
    if len(_word_cache) >= _CACHE_LIMIT:
        _word_cache.clear()
    entry = (feats, lower, shape)
    _word_cache[word] = entry
    return entry


def sentence_features(words: Sequence[str]) -> list[TokenFeatures]:
    """One feature dict per token of ``words`` (see the module docstring)."""
    n = len(words)
    own = [_own_features(w) for w in words]
    neighbours = [(entry[1], entry[2]) for entry in own]
    out: list[TokenFeatures] = []
    for i in range(n):
        feats = own[i][0].copy()
        for offset, keys in _WINDOW_KEYS:
            j = i + offset
            if 0 <= j < n:
                neighbour = neighbours[j]
                for which, key in keys:
                    feats[key] = neighbour[which]
        if i == 0:
            feats["BOS"] = 1.0
        if i == n - 1:
            feats["EOS"] = 1.0
        out.append(feats)
    return out


def sentences_features(sentences: Iterable[Sequence[str]]) -> list[list[TokenFeatures]]:
    """:func:`sentence_features` for each sentence, in order."""
    return [sentence_features(words) for words in sentences]


def iter_sentences_features(
    sentences: Iterable[Sequence[str]],
) -> Iterator[list[TokenFeatures]]:
    """:func:`sentence_features` one sentence at a time (nothing kept)."""
    for words in sentences:
        yield sentence_features(words)
