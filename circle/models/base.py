"""Helpers every table module shares: the time rows are stamped with, enums stored as text."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa

from circle import clock


def utcnow() -> dt.datetime:
    """Now, in UTC, to the second: what the record shows and hashes (from circle/clock.py)."""
    return clock.now()


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """Store an enum by its value, as a short string, on every database."""
    return sa.Enum(
        enum,
        native_enum=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
