"""Importers and exporters: files in, labels and metadata out."""
