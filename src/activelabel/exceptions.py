"""Errors raised by activelabel.

Every error the library raises on purpose is an :class:`ActiveLabelError`. The CLI
turns them into one sentence on stderr and a non-zero exit code; the server turns
them into one JSON error shape. Each also inherits from the built-in that fits, so
``except ValueError`` and ``except KeyError`` keep working.

The tree::

    ActiveLabelError
      + ConfigError (ValueError)              a setting or option has a bad value
      + DatabaseError                         the database cannot be used
      |   - DatabaseUnavailableError          cannot connect to the URL
      |   - MissingDriverError (ImportError)  the driver for the URL is not installed
      + NotFoundError (KeyError)              a named thing does not exist
      |   - ProjectNotFoundError
      |   - ItemNotFoundError
      |   - UserNotFoundError
      + PermissionDeniedError                 the caller may not do this
      + ItemLeasedError                       the item is leased to someone else
      + ProjectExistsError (ValueError)       a project with that name exists already
      + InvalidLabelError (ValueError)        an annotation value does not fit the schema
      + ExportError                           an export could not be written
      + ImportFormatError (ValueError)        a file cannot be imported; names file and row
          - EncodingError                     the file is not in the expected encoding
          - ColumnNotFoundError               a named column is not in the file
          - DuplicateIdError                  one id appears twice in one file
          - FieldTooLargeError                a field is over the size limit
          - MediaError                        a media file is broken or outside the root
"""

from __future__ import annotations

__all__ = [
    "ActiveLabelError",
    "ColumnNotFoundError",
    "ConfigError",
    "DatabaseError",
    "DatabaseUnavailableError",
    "DuplicateIdError",
    "EncodingError",
    "ExportError",
    "FieldTooLargeError",
    "ImportFormatError",
    "InvalidLabelError",
    "ItemLeasedError",
    "ItemNotFoundError",
    "MediaError",
    "MissingDriverError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProjectExistsError",
    "ProjectNotFoundError",
    "UserNotFoundError",
]


class ActiveLabelError(Exception):
    """Base of every error activelabel raises on purpose.

    The message is a sentence meant for the person running the tool: it says
    what is wrong, where, and what to do about it.
    """

    #: HTTP status the server answers with when this error reaches a request.
    status_code: int = 400

    @property
    def message(self) -> str:
        """The human-readable sentence."""
        return str(self.args[0]) if self.args else self.__class__.__name__


class ConfigError(ActiveLabelError, ValueError):
    """A setting, option or argument has a value that cannot be used."""


class DatabaseError(ActiveLabelError):
    """The database cannot be used (connection, schema or driver problems)."""

    status_code = 503


class DatabaseUnavailableError(DatabaseError):
    """The database URL cannot be reached or opened."""


class MissingDriverError(DatabaseError, ImportError):
    """The Python driver needed for a database URL is not installed."""


class NotFoundError(ActiveLabelError, KeyError):
    """A named thing does not exist."""

    status_code = 404

    def __str__(self) -> str:
        # KeyError's __str__ wraps the message in quotes; people want the sentence.
        return self.message


class ProjectNotFoundError(NotFoundError):
    """No project has the given name."""


class ItemNotFoundError(NotFoundError):
    """No item has the given id in the project."""


class UserNotFoundError(NotFoundError):
    """No annotator has the given name or token."""


class PermissionDeniedError(ActiveLabelError):
    """The caller is not allowed to do this."""

    status_code = 403


class ItemLeasedError(ActiveLabelError):
    """The item is leased to another annotator (and the project's overlap is 1)."""

    status_code = 409


class ProjectExistsError(ActiveLabelError, ValueError):
    """A project with the same name exists already."""

    status_code = 409


class InvalidLabelError(ActiveLabelError, ValueError):
    """An annotation value does not fit the project's label schema."""

    status_code = 422


class ExportError(ActiveLabelError):
    """An export could not be written for a reason outside the request."""

    status_code = 500


class ImportFormatError(ActiveLabelError, ValueError):
    """A source cannot be imported; the message names the file and, if known, the row."""

    status_code = 422


class EncodingError(ImportFormatError):
    """The file cannot be decoded with the given encoding."""


class ColumnNotFoundError(ImportFormatError):
    """A column named by the user is not in the file."""


class DuplicateIdError(ImportFormatError):
    """The same id appears more than once in one file."""


class FieldTooLargeError(ImportFormatError):
    """A field is larger than the configured limit."""


class MediaError(ImportFormatError):
    """A media file is unreadable, broken, or outside the media root."""
