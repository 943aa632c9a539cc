"""The one encoding detection shared by the territory-set and the observation importers (geo/encoding.py)."""

import codecs

import pytest

from geo import encoding
from geo.encoding import UndecodableFile, decode_file, detect_encoding
from geo.importers import ImportDataError
from geo.importers.territories import read_territory_csv

TEXT = "code_commune;code_territoire;nom_territoire\n29019;brest;Cœur d’Armor à 5 €\n"


def write(tmp_path, data: bytes, name="t.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("data", "expected"), [
    (TEXT.encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("cp1252"), "cp1252"),
])
def test_it_tells_utf8_with_or_without_bom_from_windows_1252(tmp_path, data, expected):
    path = write(tmp_path, data)
    assert detect_encoding(path) == expected
    assert decode_file(path) == TEXT


def test_a_windows_1252_byte_far_into_a_large_file_is_found_in_later_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "_BLOCK", 64)
    path = write(tmp_path, ("é" * 100 + "\n").encode() * 3 + b"caf\xe9\n")
    assert detect_encoding(path) == "cp1252"


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_bytes_undefined_in_windows_1252_are_refused_with_their_line(tmp_path, monkeypatch, byte):
    monkeypatch.setattr(encoding, "_BLOCK", 16)
    path = write(tmp_path, TEXT.encode("cp1252") + b"29232;q;Quimper\n29233;x;a" + bytes([byte]) + b"b\n")
    with pytest.raises(UndecodableFile) as error:
        detect_encoding(path)
    assert error.value.line == 4
    assert error.value.reason == f"byte 0x{byte:02x} is neither UTF-8 nor Windows-1252 text: save it as CSV UTF-8"


def test_a_nul_byte_is_refused_with_its_line(tmp_path):
    with pytest.raises(UndecodableFile, match=r"line 2: NUL byte"):
        detect_encoding(write(tmp_path, b"a;b\nc\x00;d\n"))


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_utf16_and_utf32_files_are_refused_on_line_1(tmp_path, codec):
    with pytest.raises(UndecodableFile, match=r"line 1: the file is UTF-\d\d text: save it as CSV UTF-8"):
        detect_encoding(write(tmp_path, TEXT.encode(codec)))


def test_the_territory_importer_reads_windows_1252_and_refuses_what_fits_no_encoding(tmp_path):
    rows = read_territory_csv(write(tmp_path, TEXT.encode("cp1252")), {"29019"}, {})
    assert rows["name"].tolist() == ["Cœur d’Armor à 5 €"]
    bad = write(tmp_path, TEXT.encode("cp1252") + b"29232;q;\x81\n", "bad.csv")
    with pytest.raises(ImportDataError, match=r"bad\.csv: line 3: byte 0x81 is neither UTF-8 nor Windows-1252"):
        read_territory_csv(bad, {"29019", "29232"}, {})
