"""The label-efficiency benchmark: datasets, the cached runner, and the report.

``benchmarks/bench_label_efficiency.py`` is the command; this package holds
its parts so each stays small: :mod:`.datasets` (features of each public set,
cached), :mod:`.runner` (one cached learning curve per set, strategy or
variant, and seed), :mod:`.metrics` (labels to reach random's final figure,
areas) and :mod:`.report` (the table and the JSON).
"""
