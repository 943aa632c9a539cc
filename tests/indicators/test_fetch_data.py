"""manage.py fetch_data against a local mirror of DATA_DIR (no other network) into a fresh tmp DATA_DIR."""

import io
import re
import shutil

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from geo.importers.sources import SOURCES
from indicators.importing.reference import DREES_FILES, INSEE_POPULATION
from indicators.sources.download import file_sha256
from indicators.sources.manifest import MANIFEST, ManifestError, manifest_parse
from tests.indicators.fetch_server import Mirror

# A few small real files: the DREES exports, Corse-du-Sud's communes, the COG departments.
SUBSET = ["health/drees-rpps", "geo/france-geojson-v2.1.1/departements/2A-corse-du-sud", "cog/departements.json"]
DOCTORS = "health/drees-rpps/Medecin_departement_annee.csv"


@pytest.fixture
def mirror(data_dir):
    with Mirror(data_dir) as server:
        yield server


def fetch(target, *args, base_url=None, only=SUBSET):
    err = io.StringIO()
    options = [f"--only={p}" for p in only] + ([f"--base-url={base_url}"] if base_url else [])
    call_command("fetch_data", f"--data-dir={target}", *options, *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def real_files():
    return manifest_parse(MANIFEST.read_text(encoding="utf-8"))


def subset_paths():
    return [f.path for f in real_files() if any(f.path == p or f.path.startswith(p + "/") for p in SUBSET)]


def one_file_manifest(tmp_path, name="Medecin_departement_annee.csv", size=6602, sha256=None):
    sha256 = sha256 or "d4a2f9ce480366bd156ecacb70d4108850362b75a5863e26074f6c8b3a6048b6"
    path = tmp_path / "manifest.toml"
    path.write_text(f'''[[source]]
name = "drees-rpps"
dir = "health/drees-rpps"
url = "https://publisher.invalid/drees/"
publisher = "DREES"
licence = "Licence Ouverte"
page = "https://drees.solidarites-sante.gouv.fr/"
files = [{{ name = "{name}", size = {size}, sha256 = "{sha256}" }}]
''', encoding="utf-8")
    return path


# --- the manifest -----------------------------------------------------------------------------------------

def test_the_manifest_lists_every_shared_data_file_with_its_real_size_and_sha256(data_dir):
    files = real_files()
    on_disk = {p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*") if p.is_file()}
    assert {f.path for f in files} == on_disk - {"README.md", "MANIFEST.tsv"}
    wrong = [f.path for f in files if (data_dir / f.path).stat().st_size != f.size
             or file_sha256(data_dir / f.path) != f.sha256]
    assert wrong == []


def test_the_manifest_covers_every_file_the_importers_read():
    paths = {f.path for f in real_files()}
    read = {s.relative_path for s in SOURCES.values()} | {str(INSEE_POPULATION)}
    read |= {str(p) for p in DREES_FILES.values()}
    assert read - paths == set()
    assert "health/cnam-ald/2019_ALD-prevalentes-par-departement_serie-annuelle.xls" in paths
    assert "health/insee-deces/deces_quotidiens_departement.csv" in paths


def test_each_file_has_a_publisher_and_licence_and_either_a_url_or_the_recipe_of_its_derivation():
    files = real_files()
    assert all(f.publisher and f.licence and f.page for f in files)
    assert all(f.url.startswith("https://") for f in files if not f.derived)
    derived = {f.path for f in files if f.derived}
    assert derived == {f.path for f in files if f.path.startswith("geo/derived/")}
    assert all(f.recipe for f in files if f.derived)


def test_a_manifest_path_escaping_data_dir_is_refused_naming_the_source(tmp_path):
    text = one_file_manifest(tmp_path).read_text().replace('dir = "health/drees-rpps"', 'dir = "../etc"')
    with pytest.raises(ManifestError, match="'drees-rpps'.*not a relative path inside DATA_DIR"):
        manifest_parse(text)


def test_a_manifest_file_without_a_valid_sha256_is_refused_naming_the_file(tmp_path):
    text = one_file_manifest(tmp_path, sha256="abc").read_text()
    with pytest.raises(ManifestError, match="Medecin_departement_annee.csv: sha256 'abc'"):
        manifest_parse(text)


# --- downloading ------------------------------------------------------------------------------------------

def test_it_downloads_every_file_and_each_matches_the_published_bytes(tmp_path, data_dir, mirror):
    log = fetch(tmp_path, base_url=mirror.url)
    paths = subset_paths()
    assert len(paths) == 11
    assert all((tmp_path / p).read_bytes() == (data_dir / p).read_bytes() for p in paths)
    assert list(tmp_path.rglob("*.part")) == []
    lines = log.splitlines()  # off a terminal: one line per file
    assert len(lines) == 11
    line = re.compile(r"fetch_data: file \d+/11 \S+ downloaded \d+\.\d [kM]B in \d+\.\d s")
    assert all(line.fullmatch(text) for text in lines)


def test_a_second_run_sends_no_request_at_all(tmp_path, mirror):
    fetch(tmp_path, base_url=mirror.url)
    mirror.requests.clear()
    log = fetch(tmp_path, base_url=mirror.url)
    assert mirror.requests == []
    assert log.count(" present\n") == 11


def test_a_complete_data_dir_needs_no_server(tmp_path, mirror):
    fetch(tmp_path, base_url=mirror.url)
    fetch(tmp_path, base_url="http://127.0.0.1:9")  # nothing listens there: any request would fail the run


def test_a_partial_download_resumes_from_the_part_file_with_a_range_request(tmp_path, data_dir, mirror):
    original = (data_dir / DOCTORS).read_bytes()
    part = tmp_path / (DOCTORS + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(original[:4000])
    log = fetch(tmp_path, base_url=mirror.url, only=[DOCTORS])
    assert mirror.requests == [("/" + DOCTORS, "bytes=4000-", 206, len(original) - 4000)]
    assert (tmp_path / DOCTORS).read_bytes() == original
    assert not part.exists()
    assert "(resumed at 4.0 kB)" in log


def test_a_server_that_ignores_range_makes_it_start_the_file_again(tmp_path, data_dir, mirror):
    mirror.honour_range = False
    original = (data_dir / DOCTORS).read_bytes()
    part = tmp_path / (DOCTORS + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(original[:4000])
    fetch(tmp_path, base_url=mirror.url, only=[DOCTORS])
    assert mirror.requests == [("/" + DOCTORS, "bytes=4000-", 200, len(original))]
    assert (tmp_path / DOCTORS).read_bytes() == original


def test_a_wrong_checksum_fails_naming_the_file_and_url_and_leaves_no_file(tmp_path, mirror):
    manifest = one_file_manifest(tmp_path, sha256="0" * 64)
    target = tmp_path / "data"
    with pytest.raises(CommandError) as failure:
        fetch(target, f"--manifest={manifest}", base_url=mirror.url, only=[])
    message = str(failure.value)
    assert DOCTORS in message and f"{mirror.url}/{DOCTORS}" in message and "checksum mismatch" in message
    assert not (target / DOCTORS).exists()
    assert list(target.rglob("*.part")) == []


def test_a_corrupt_part_file_fails_the_checksum_is_removed_and_the_next_run_succeeds(tmp_path, data_dir, mirror):
    part = tmp_path / (DOCTORS + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * 4000)  # not a prefix of the real file
    with pytest.raises(CommandError, match="checksum mismatch"):
        fetch(tmp_path, base_url=mirror.url, only=[DOCTORS])
    assert not part.exists()
    fetch(tmp_path, base_url=mirror.url, only=[DOCTORS])
    assert (tmp_path / DOCTORS).read_bytes() == (data_dir / DOCTORS).read_bytes()


def test_a_file_missing_on_the_server_fails_with_exit_code_1_naming_the_file_without_traceback(
        tmp_path, mirror, capsys):
    manifest = one_file_manifest(tmp_path, name="Sage-femme_departement_annee.csv")
    target = tmp_path / "data"
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "fetch_data", f"--data-dir={target}", f"--manifest={manifest}",
                                   f"--base-url={mirror.url}"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "health/drees-rpps/Sage-femme_departement_annee.csv: download failed from" in err
    assert "HTTP 404" in err and "Traceback" not in err
    assert list(target.rglob("*.csv*")) == []


def test_a_present_but_corrupted_file_is_downloaded_again(tmp_path, data_dir, mirror):
    original = (data_dir / DOCTORS).read_bytes()
    broken = tmp_path / DOCTORS
    broken.parent.mkdir(parents=True)
    broken.write_bytes(original[:-1] + b"X")  # same size, one byte changed
    log = fetch(tmp_path, base_url=mirror.url, only=[DOCTORS])
    assert broken.read_bytes() == original
    assert "replaced (was corrupt)" in log


def test_derived_files_without_a_mirror_are_reported_not_downloadable_with_their_recipe(tmp_path):
    with pytest.raises(CommandError) as failure:
        fetch(tmp_path, only=["geo/derived"])  # no base URL: publisher URLs only, and derived files have none
    message = str(failure.value)
    assert "3 derived file(s) missing or corrupt, published nowhere, so not downloadable" in message
    assert "geo/derived/epci-cog2026-depuis-ign2018-simplifie.geojson: built by the data helper" in message
    assert "ATLAS_DATA_BASE_URL" in message


def test_derived_files_come_from_a_mirror_like_the_others(tmp_path, data_dir, mirror):
    passage = "geo/derived/passage-communes-2018-vers-cog2026.csv"
    fetch(tmp_path, base_url=mirror.url, only=[passage])
    assert file_sha256(tmp_path / passage) == file_sha256(data_dir / passage)


def test_the_full_set_from_a_mirror_is_a_copy_of_data_dir(tmp_path, data_dir, mirror):
    """The whole manifest once (85 MB from localhost), then a nothing-to-do run."""
    shutil.rmtree(tmp_path, ignore_errors=True)
    fetch(tmp_path, base_url=mirror.url, only=[])
    assert sum(p.is_file() for p in tmp_path.rglob("*")) == 132
    mirror.requests.clear()
    fetch(tmp_path, base_url=mirror.url, only=[])
    assert mirror.requests == []
