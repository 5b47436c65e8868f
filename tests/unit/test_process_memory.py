"""The server's allocator settings: capped arenas, freed memory given back."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the settings are glibc's"
)

# Fills the heap with 80 MiB of 4 KiB blocks (under malloc's mmap threshold),
# frees all but the last (which keeps the heap from shrinking by itself), and
# prints the resident size before and after release_free_memory().
SCRIPT = """
from activelabel.loop.process_memory import release_free_memory

def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

blocks = [bytearray(4096) for _ in range(20_000)]
pinned = bytearray(4096)
del blocks
before = rss()
released = release_free_memory()
print(before, rss(), released)
"""


def test_release_free_memory_gives_freed_heap_pages_back_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    ).stdout.split()
    before, after, released = float(out[0]), float(out[1]), out[2]
    assert released == "True"
    assert before - after > 40, f"{before:.0f} MiB before, {after:.0f} MiB after"


def test_the_arena_cap_applies_on_glibc() -> None:
    from activelabel.loop.process_memory import limit_malloc_arenas

    # mallopt answers 1 when it took the setting; the cap only affects arenas
    # created from now on, so setting it in the test process is harmless.
    assert limit_malloc_arenas(8) is True
