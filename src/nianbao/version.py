"""The kit's version: one place, imported by the package and by modules that
record it (provenance lines, manifests) without importing the package itself."""

__version__ = "0.1.0"
