"""Weak supervision: labeling functions, applying them, and the label matrix.

A labeling function votes a label for an item or abstains: keyword lists
(:class:`~activelabel.weak.functions.KeywordFunction`), regular expressions
(:class:`~activelabel.weak.functions.RegexFunction`) and Python functions
decorated with :func:`activelabel.labeling_function`
(:mod:`activelabel.weak.python_functions`). :mod:`activelabel.weak.apply`
runs a set of them over batches of items in one pass;
:mod:`activelabel.weak.label_matrix` is what the votes become for a label
model. These modules are pure: they never import the store (the loop reads and
writes what they compute).

Nothing is imported here, so ``activelabel.labeling_function`` (used by the
functions' own files) costs no NumPy or Aho-Corasick import.
"""
