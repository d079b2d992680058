"""The toolkit's version: one place, read by the build (pyproject) and by provenance."""

__version__ = "0.1.0"
