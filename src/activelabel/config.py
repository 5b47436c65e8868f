"""Settings read from the environment (prefix ``ACTIVELABEL_``) and CLI options.

One :class:`Settings` class; nothing is read at import time. The CLI builds one
from its options, the server receives one, tests pass their own.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DB_URL", "Settings", "resolve_db_url"]

#: The embedded default: a SQLite file in the working directory.
DEFAULT_DB_URL = "sqlite:///activelabel.db"


class Settings(BaseSettings):
    """Everything activelabel can be configured with.

    Each field can be set as an environment variable ``ACTIVELABEL_<NAME>``
    (for example ``ACTIVELABEL_DB=postgresql+psycopg://localhost/labels``).
    """

    model_config = SettingsConfigDict(
        env_prefix="ACTIVELABEL_", env_ignore_empty=True, extra="ignore"
    )

    db: str = Field(
        default=DEFAULT_DB_URL,
        description="Database URL: sqlite:///file.db (default) or "
        "postgresql+psycopg://user@host/dbname.",
    )
    max_field_bytes: int = Field(
        default=1_000_000,
        gt=0,
        description="Largest size in bytes of one imported field; larger fields "
        "are refused with an error naming the row.",
    )
    import_batch_size: int = Field(
        default=5_000,
        gt=0,
        description="Rows read and written per batch during import; bounds memory.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Where feature matrices are cached; default: beside the "
        "SQLite file, or ./.activelabel-cache for other databases.",
    )


def resolve_db_url(url: str | None) -> str:
    """Return the database URL to use: the given one, the env var, or the default.

    A bare file path (``labels.db``) is accepted and read as a SQLite file.
    """
    if not url:
        url = Settings().db
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url
