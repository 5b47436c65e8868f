"""Keep the server's resident memory near what it uses (glibc's allocator).

Two habits of glibc's malloc made an idle server hold 30-40 MiB more after a
burst of requests than before it:

- each thread that allocates gets an arena of its own, up to eight per core,
  and the request threads of the thread pool filled a dozen of them;
- memory freed in the middle of a heap (after an export of a million rows, or
  writing a round's queue) stays with the process until ``malloc_trim``.

Both calls are no-ops where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

__all__ = ["MALLOC_ARENAS", "limit_malloc_arenas", "release_free_memory"]

#: Arenas glibc may create; the GIL lets one thread run Python at a time, so
#: two leave little contention on an arena's lock.
MALLOC_ARENAS = 2
#: ``M_ARENA_MAX`` in glibc's malloc.h.
_M_ARENA_MAX = -8


@functools.cache
def _glibc() -> Any | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - only glibc has both
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap the allocator's arenas; call before threads start. Whether it applied."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(_M_ARENA_MAX, arenas) == 1)


def release_free_memory() -> bool:
    """Give the memory malloc holds free back to the system. Whether any went back."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0) == 1)
