"""Row isolation: which failures of a batch can lie in one of its rows (and be pinned on it).

A batch is one transaction. When it fails because the database refused a value (a number out of
range, a string too long) or a value could not be serialised, the loader splits the batch until
the row at fault is alone and rejects it with the reason, so the good rows load. A failure that
is not about the data (the connection lost, the schema missing, another writer first) is not
pinned on a row.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

from oprisk.errors import ConcurrencyError, DomainError, SchemaError, StoreError

__all__ = ["data_error", "printable"]

#: driver errors about the data (SQLSTATE classes 22 and 23 on PostgreSQL)
_DATA_ERRORS = (sa_exc.DataError, sa_exc.IntegrityError, sqlite3.DataError, sqlite3.IntegrityError)
#: errors of our own code that a value can provoke (one that cannot be serialised, say)
_VALUE_ERRORS = (ValueError, TypeError, ArithmeticError, RecursionError, DomainError)


def data_error(exc: BaseException) -> str | None:
    """The reason to give a row when ``exc`` can be about the data; ``None`` if it cannot."""
    if isinstance(exc, ConcurrencyError | SchemaError):
        return None
    driver = exc.__cause__ if isinstance(exc, StoreError) else exc
    if isinstance(driver, _DATA_ERRORS) or str(getattr(driver, "pgcode", "") or "")[:2] in (
        "22",
        "23",
    ):
        text = str(getattr(driver, "orig", None) or driver).strip().splitlines()
        return f"the database refused the row: {text[0] if text else type(driver).__name__}"
    if isinstance(exc, _VALUE_ERRORS):
        return f"cannot be stored: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def printable(name: str) -> str:
    """A file name as text (an undecodable byte in it becomes U+FFFD), for the facts' metadata."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
