"""Damaged copies of the real source files, and the check that a reader's refusal names file, line and field."""

import re
from pathlib import Path

import pytest

from indicators.importing.readers import FileFormatError


def copy(source: Path, tmp_path: Path, data: bytes) -> Path:
    """``data`` written under the source's own file name (the message must name it)."""
    target = tmp_path / source.name
    target.write_bytes(data)
    return target


def replaced(source: Path, tmp_path: Path, old: bytes, new: bytes, count: int = 1) -> Path:
    data = source.read_bytes()
    assert old in data, f"{old!r} not in {source.name}: the test's damage does not apply"
    return copy(source, tmp_path, data.replace(old, new, count))


def truncated(source: Path, tmp_path: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    return copy(source, tmp_path, data[: int(len(data) * keep)])


def reencoded(source: Path, tmp_path: Path, read_as: str, write_as: str) -> Path:
    return copy(source, tmp_path, source.read_bytes().decode(read_as).encode(write_as))


def line_of(source: Path, needle: bytes) -> int:
    """1-based line of the first occurrence of ``needle`` in the source file."""
    data = source.read_bytes()
    return data[: data.index(needle)].count(b"\n") + 1


def refusal(read, path: Path, *args) -> FileFormatError:
    with pytest.raises(FileFormatError) as caught:
        read(path, *args)
    return caught.value


def assert_names(error: FileFormatError, path: Path, line: int, field: str) -> None:
    message = str(error)
    assert message.startswith(f"{path.name}"), message
    assert re.search(rf"\bline {line}\b", message), message
    assert f"field {field}:" in message, message
    assert (error.error["line"], error.error["column"]) == (line, field)
