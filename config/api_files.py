"""Large API bodies (bulk CSV, too large for Redis) kept on disk once streamed, and served as files after.

Formatting rows is the cost of a bulk CSV (~20,000 rows/s per stream): 32 clients asking for the communes'
8 MB CSV kept every worker busy for seconds per request and wrk saw time-outs. The first request streams
the body as before and writes it beside (a private ``.part`` file renamed into place only when the whole
body went out, so a client that disconnects leaves nothing behind); later requests get the file, which the
WSGI server sends with ``sendfile``. Files live in one directory per data version: a publication makes a
new directory and the old ones are removed as soon as a body of the new version is written. The total is
capped (``ATLAS_EXPORT_CACHE_MB``): past it, bodies are streamed and not kept.

Each web machine keeps its own files (no shared volume needed): a file is a pure function of its key.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings


def _version_dir(version: str) -> Path:
    return Path(settings.ATLAS_EXPORT_CACHE_DIR) / hashlib.sha256(version.encode()).hexdigest()[:16]


def cached_file(version: str, key: str) -> Path | None:
    path = _version_dir(version) / key.rsplit(":", 1)[-1]
    return path if path.is_file() else None


def _room_for_more(root: Path) -> bool:
    limit = settings.ATLAS_EXPORT_CACHE_MB << 20
    if limit <= 0:
        return False
    used = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    return used < limit


def _drop_other_versions(keep: Path) -> None:
    for other in keep.parent.iterdir():
        if other != keep and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)


def tee_to_file(version: str, key: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yield ``chunks`` unchanged; once the last one is out, the body is the key's file."""
    directory = _version_dir(version)
    directory.mkdir(parents=True, exist_ok=True)
    _drop_other_versions(directory)
    if not _room_for_more(directory.parent):
        yield from chunks
        return
    final = directory / key.rsplit(":", 1)[-1]
    part = final.with_name(f"{final.name}.{os.getpid()}.{threading.get_ident()}.part")
    done = False
    try:
        with open(part, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                yield chunk
        os.replace(part, final)
        done = True
    finally:  # also on GeneratorExit, when the client went away mid-body
        if not done:
            part.unlink(missing_ok=True)
