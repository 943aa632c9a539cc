"""The encoding of an uploaded text file, shared by every CSV importer (territory sets, observations).

French spreadsheets save CSV as UTF-8 (often with a BOM) or as Windows-1252, the French Excel default:
Latin-1 plus ``œ``, ``’``, ``€``... (decoding it as Latin-1 would store C1 control characters instead).
A file is UTF-8 when the whole of it decodes as UTF-8, else Windows-1252 when the whole of it decodes as
that; anything else is refused, naming the line: a byte Windows-1252 leaves undefined (0x81, 0x8D, 0x8F,
0x90, 0x9D), a NUL byte (binary files, UTF-16 without a BOM) or a UTF-16/UTF-32 byte-order mark.
No Django import; the file is read in blocks, so memory stays flat whatever its size.
"""

import codecs
from pathlib import Path

UTF8 = "utf-8-sig"
WINDOWS_1252 = "cp1252"
_BLOCK = 1 << 22
_WIDE_BOMS = [(codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
              (codecs.BOM_UTF16_BE, "UTF-16")]
_SAVE_AS = "save it as CSV UTF-8"


class UndecodableFile(ValueError):
    """The file is not text in an accepted encoding; ``line`` is the line (1 = header) of the first bad byte."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` or ``cp1252`` (names Python and pandas accept); raises UndecodableFile."""
    path = Path(path)
    with open(path, "rb") as handle:
        start = handle.read(4)
    for bom, name in _WIDE_BOMS:
        if start.startswith(bom):
            raise UndecodableFile(1, f"the file is {name} text: {_SAVE_AS}")
    utf8 = _first_error(path, codecs.getincrementaldecoder("utf-8")())
    if utf8 is None:
        return UTF8
    if utf8[1] == "nul":
        raise _refusal(path, *utf8)
    cp1252 = _first_error(path, codecs.getincrementaldecoder(WINDOWS_1252)())
    if cp1252 is None:
        return WINDOWS_1252
    raise _refusal(path, *cp1252)


def _first_error(path: Path, decoder) -> tuple[int, str] | None:
    """(byte offset, "nul" | "byte") of the first NUL byte or undecodable byte, or None if the file decodes."""
    offset = 0
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            nul = block.find(b"\x00")
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block if nul < 0 else block[:nul])
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start, "byte"
            if nul >= 0:
                return offset + nul, "nul"
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset - len(decoder.getstate()[0]), "byte"
    return None


def _refusal(path: Path, offset: int, what: str) -> UndecodableFile:
    line, byte = _line_and_byte(path, offset)
    if what == "nul":
        return UndecodableFile(line, f"NUL byte: not a text file (UTF-16 text or a binary file?): {_SAVE_AS}")
    return UndecodableFile(line, f"byte 0x{byte:02x} is neither UTF-8 nor Windows-1252 text: {_SAVE_AS}")


def _line_and_byte(path: Path, offset: int) -> tuple[int, int]:
    """The 1-based line holding byte ``offset``, and that byte; only read when a file is refused."""
    newlines, position = 0, 0
    with open(path, "rb") as handle:
        while position + _BLOCK <= offset:
            newlines += handle.read(_BLOCK).count(b"\n")
            position += _BLOCK
        block = handle.read(offset - position + 1)
    return newlines + block.count(b"\n", 0, offset - position) + 1, block[offset - position]


def decode_file(path: Path) -> str:
    """The whole text of a small file in its detected encoding (the BOM removed)."""
    return Path(path).read_bytes().decode(detect_encoding(path))
