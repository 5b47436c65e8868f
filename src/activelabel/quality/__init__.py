"""Label quality: agreement between annotators, review states, label issues, gold.

Pure parts (``agreement``) take arrays and import nothing from the store, so a
notebook can use them on its own data; the modules that read a project go
through the store.
"""
