"""The package version, in one place for hatch and for the code."""

__version__ = "0.1.0"
