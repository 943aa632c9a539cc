"""Bring DATA_DIR up to the manifest: keep the valid files, download the others, verify every checksum.

No Django import: the command passes the data folder, the optional mirror and a progress reporter.
A file reaches its final path only once its size and sha256 match the manifest (it is written to
``<name>.part`` first), so an interrupted or bad download never leaves a corrupt file behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .download import FetchError, download, file_sha256
from .manifest import SourceFile, mirror_url


@dataclass
class FetchOutcome:
    present: list[SourceFile] = field(default_factory=list)
    downloaded: list[SourceFile] = field(default_factory=list)
    replaced: list[SourceFile] = field(default_factory=list)  # present but corrupt, downloaded again
    not_downloadable: list[SourceFile] = field(default_factory=list)  # derived, no mirror given


class _Silent:
    """The progress interface of config.progress.FileProgress, reporting nothing."""

    def begin(self, path, size, initial=0):
        pass

    def advance(self, n, restart=False):
        pass

    def end(self, outcome):
        pass


def is_valid(path: Path, source: SourceFile) -> bool:
    """Size first: a truncated file is told apart without reading it."""
    return path.is_file() and path.stat().st_size == source.size and file_sha256(path) == source.sha256


def _verify(part: Path, source: SourceFile, url: str) -> None:
    size = part.stat().st_size
    digest = file_sha256(part)
    if size != source.size or digest != source.sha256:
        part.unlink()
        raise FetchError(
            f"{source.path}: checksum mismatch for {url}: got {size} bytes with sha256 {digest}, the manifest "
            f"says {source.size} bytes with sha256 {source.sha256}. The download was removed; if the publisher "
            "changed the file, the manifest must be updated."
        )


def _fetch_one(source: SourceFile, final: Path, url: str, progress) -> None:
    part = final.with_name(final.name + ".part")
    final.parent.mkdir(parents=True, exist_ok=True)
    if part.exists() and part.stat().st_size > source.size:
        part.unlink()
    have = part.stat().st_size if part.exists() else 0
    progress.begin(source.path, source.size, initial=have)
    if have < source.size:
        try:
            download(url, part, source.size, progress.advance)
        except FetchError as exc:
            progress.end("failed")
            raise FetchError(f"{source.path}: download failed from {url}: {exc}") from None
    try:
        _verify(part, source, url)
    except FetchError:
        progress.end("failed")
        raise
    os.replace(part, final)


def data_fetch(files: list[SourceFile], data_dir: Path, base_url: str | None = None,
               progress=None) -> FetchOutcome:
    """Every file valid in data_dir afterwards, or FetchError on the first failure (naming file and URL).

    With every file already valid nothing touches the network. Derived files (no publisher URL) come only
    from a mirror (``base_url``); without one they are listed in ``not_downloadable``.
    """
    progress = progress or _Silent()
    outcome = FetchOutcome()
    for source in files:
        final = Path(data_dir) / source.path
        if is_valid(final, source):
            progress.begin(source.path, source.size)
            progress.end("present")
            outcome.present.append(source)
            continue
        url = mirror_url(base_url, source.path) if base_url else source.url
        if url is None:
            progress.begin(source.path, source.size)  # a corrupt derived file is kept: nothing can replace it
            progress.end("corrupt and not downloadable (derived)" if final.exists() else "not downloadable (derived)")
            outcome.not_downloadable.append(source)
            continue
        corrupt = final.exists()
        if corrupt:  # wrong size or checksum: never left at the final path, even if the download fails
            final.unlink()
        _fetch_one(source, final, url, progress)
        progress.end("replaced (was corrupt)" if corrupt else "downloaded")
        (outcome.replaced if corrupt else outcome.downloaded).append(source)
    return outcome
