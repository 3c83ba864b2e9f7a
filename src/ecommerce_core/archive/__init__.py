"""Portable backups: every aggregate as JSON lines, with a manifest and checksums."""

from ecommerce_core.archive.format import (
    FORMAT,
    KINDS,
    Manifest,
    parents_first,
    read_archive,
    write_archive,
)

__all__ = ["FORMAT", "KINDS", "Manifest", "parents_first", "read_archive", "write_archive"]
