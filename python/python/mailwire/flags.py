"""IMAP flags as the strings mailwire takes and returns."""

from __future__ import annotations

__all__ = ["Flag"]


class Flag:
    """System flags; any other string (``"$Work"``) is a keyword."""

    SEEN = "\\Seen"
    ANSWERED = "\\Answered"
    FLAGGED = "\\Flagged"
    DELETED = "\\Deleted"
    DRAFT = "\\Draft"
    RECENT = "\\Recent"
