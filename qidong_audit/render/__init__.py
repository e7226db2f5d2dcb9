"""Renderers: a Report (or inspection) in, text out. They compute nothing."""

FORMATS = ("table", "json")
