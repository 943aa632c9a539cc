"""HTTP download of one file into its ``.part`` file, resumed with a Range request (standard library only)."""

from __future__ import annotations

import hashlib
import http.client
import re
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

CHUNK = 1 << 16
TIMEOUT = 30  # seconds without a byte before giving up (a stalled mirror fails instead of hanging the demo)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-")


class FetchError(Exception):
    """A download or a checksum failed; the message names the file and the URL."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _open(url: str, start: int):
    headers = {"User-Agent": "atlas-sante fetch_data"}
    if start:
        headers["Range"] = f"bytes={start}-"
    try:
        return urlopen(Request(url, headers=headers), timeout=TIMEOUT)
    except HTTPError as exc:
        if exc.code == 416 and start:  # the .part is not a prefix the server knows: start again
            return None
        raise FetchError(f"HTTP {exc.code} {exc.reason}") from None
    except (URLError, OSError, http.client.HTTPException) as exc:
        raise FetchError(f"cannot reach the server ({getattr(exc, 'reason', exc)})") from None


def _resumes(response, start: int) -> bool:
    """True when the server honoured the Range; a 200 (Range ignored) means the body starts at byte 0."""
    if not start or response.status != 206:
        return False
    match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    return bool(match) and int(match.group(1)) == start


def download(url: str, part: Path, size: int, advance=lambda n, restart=False: None) -> None:
    """Fill ``part`` with the bytes of ``url``, continuing from what it already holds when the server allows.

    ``advance(n)`` is called per block written; ``advance(0, restart=True)`` when a resume is impossible
    and the file starts again from zero. The .part is kept on an interruption, so a later run resumes.
    """
    start = part.stat().st_size if part.exists() else 0
    response = _open(url, start)
    if response is None:
        part.unlink()
        advance(0, restart=True)
        start, response = 0, _open(url, 0)
    with response:
        if start and not _resumes(response, start):
            advance(0, restart=True)
            start = 0
        written, too_long = start, False
        try:
            with open(part, "ab" if start else "wb") as out:
                while block := response.read(CHUNK):
                    written += len(block)
                    if too_long := written > size:
                        break
                    out.write(block)
                    advance(len(block))
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"download interrupted after {written} bytes ({exc}); run again to resume") from None
    if too_long:  # not the file the manifest describes: nothing worth resuming
        part.unlink()
        raise FetchError(f"the server sent more than the expected {size} bytes")
