"""The manifest of source files (manifest.toml beside this module): parsed and checked whole, no I/O.

A mistake in the manifest (a missing checksum, a path escaping DATA_DIR) is reported naming the source
and the file before anything is downloaded.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlparse

MANIFEST = Path(__file__).with_name("manifest.toml")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SOURCE_KEYS = {"name", "dir", "url", "derived", "recipe", "publisher", "licence", "page", "note", "files"}
_FILE_KEYS = {"name", "size", "sha256"}


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to DATA_DIR, "/"-separated
    url: str | None  # None for a derived file (published nowhere)
    size: int
    sha256: str
    publisher: str
    licence: str
    page: str
    recipe: str = ""  # how a derived file was made

    @property
    def derived(self) -> bool:
        return self.url is None


def _relative(value, where: str) -> str:
    path = PurePosixPath(value) if isinstance(value, str) else None
    if path is None or not value or path.is_absolute() or ".." in path.parts or "\\" in value:
        raise ManifestError(f"{where}: {value!r} is not a relative path inside DATA_DIR")
    return str(path)


def _http_url(value, where: str) -> str:
    if not isinstance(value, str) or urlparse(value).scheme not in ("http", "https") or not value.endswith("/"):
        raise ManifestError(f"{where}: url {value!r} is not an http(s) base URL ending with '/'")
    return value


def _text(source: dict, key: str, where: str) -> str:
    value = source.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"{where}: '{key}' is missing")
    return value


def _file(entry, source: dict, base: str | None, where: str) -> SourceFile:
    if not isinstance(entry, dict) or set(entry) != _FILE_KEYS:
        raise ManifestError(f"{where}: a file needs exactly the keys {sorted(_FILE_KEYS)}, got {entry!r}")
    name = _relative(entry["name"], where)
    size, sha256 = entry["size"], entry["sha256"]
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ManifestError(f"{where} {name}: size {size!r} is not a positive number of bytes")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ManifestError(f"{where} {name}: sha256 {sha256!r} is not 64 lowercase hex digits")
    return SourceFile(
        path=str(PurePosixPath(source["dir"]) / name),
        url=base + quote(name) if base else None,
        size=size, sha256=sha256,
        publisher=source["publisher"], licence=source["licence"], page=source["page"],
        recipe=source.get("recipe", ""),
    )


def _source_files(source, index: int) -> list[SourceFile]:
    where = f"manifest source {index + 1}"
    if not isinstance(source, dict):
        raise ManifestError(f"{where}: not a table")
    where = f"manifest source {source.get('name', index + 1)!r}"
    unknown = set(source) - _SOURCE_KEYS
    if unknown:
        raise ManifestError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("name", "publisher", "licence", "page"):
        _text(source, key, where)
    _relative(source.get("dir"), where)
    derived = source.get("derived", False)
    if derived is True:
        _text(source, "recipe", where)
        if "url" in source:
            raise ManifestError(f"{where}: a derived source has no url (say how it is made in 'recipe')")
        base = None
    elif derived is False:
        base = _http_url(source.get("url"), where)
    else:
        raise ManifestError(f"{where}: derived must be true or false")
    files = source.get("files")
    if not isinstance(files, list) or not files:
        raise ManifestError(f"{where}: 'files' is missing or empty")
    return [_file(entry, source, base, where) for entry in files]


def manifest_parse(text: str) -> list[SourceFile]:
    """Every file of the manifest, in its order; ManifestError on the first mistake."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"manifest is not valid TOML: {exc}") from None
    sources = document.get("source")
    if not isinstance(sources, list) or not sources:
        raise ManifestError("manifest has no [[source]] table")
    files = [f for index, source in enumerate(sources) for f in _source_files(source, index)]
    seen: set[str] = set()
    for f in files:
        if f.path in seen:
            raise ManifestError(f"manifest lists {f.path} twice")
        seen.add(f.path)
    return files


def mirror_url(base_url: str, path: str) -> str:
    """A mirror holds DATA_DIR's layout: the file's path under DATA_DIR, appended to its base URL."""
    return base_url.rstrip("/") + "/" + quote(path)
