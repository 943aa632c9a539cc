"""manage.py fetch_data: download every source file of the manifest into DATA_DIR, checksums verified."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.progress import FileProgress
from indicators.sources.download import FetchError
from indicators.sources.fetch import data_fetch
from indicators.sources.manifest import MANIFEST, ManifestError, manifest_parse


class Command(BaseCommand):
    help = ("Download the source files listed in indicators/sources/manifest.toml into DATA_DIR: files already "
            "present with the right sha256 are kept (no network when DATA_DIR is complete), partial downloads "
            "resume, every file is checked before it is put in place.")

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", help="Folder to fill (default: settings.DATA_DIR)")
        parser.add_argument("--base-url", help="Mirror with DATA_DIR's layout to download from instead of the "
                            "publishers (default: ATLAS_DATA_BASE_URL)")
        parser.add_argument("--manifest", help=f"Manifest to read (default: {MANIFEST.name} of indicators/sources)")
        parser.add_argument("--only", action="append", default=[], metavar="PATH",
                            help="Only the files under this path of DATA_DIR (repeatable), e.g. health/drees-rpps")

    def handle(self, *args, **options):
        manifest = Path(options["manifest"] or MANIFEST)
        try:
            files = manifest_parse(manifest.read_text(encoding="utf-8"))
        except (OSError, ManifestError) as exc:
            raise CommandError(f"{manifest}: {exc}") from None
        only = [p.strip("/") for p in options["only"]]
        if only:
            files = [f for f in files if any(f.path == p or f.path.startswith(p + "/") for p in only)]
            if not files:
                raise CommandError(f"No file of {manifest} is under {', '.join(only)}")
        data_dir = Path(options["data_dir"] or settings.DATA_DIR)
        base_url = options["base_url"] or settings.DATA_BASE_URL or None
        progress = FileProgress(self.stderr, len(files), label="fetch_data", enabled=options["verbosity"] > 0)
        try:
            outcome = data_fetch(files, data_dir, base_url, progress)
        except FetchError as exc:
            raise CommandError(str(exc)) from None
        self._report(outcome, data_dir)

    def _report(self, outcome, data_dir):
        fetched = outcome.downloaded + outcome.replaced
        self.stdout.write(f"{data_dir}: {len(outcome.present)} files already valid, {len(fetched)} downloaded "
                          f"({sum(f.size for f in fetched) / 1e6:.1f} MB), {len(outcome.replaced)} of them "
                          "replacing a corrupt file")
        if outcome.not_downloadable:
            lines = "\n".join(f"  {f.path}: {f.recipe}" for f in outcome.not_downloadable)
            raise CommandError(
                f"{len(outcome.not_downloadable)} derived file(s) missing or corrupt, published nowhere, so not "
                f"downloadable:\n{lines}\nCopy them from a complete DATA_DIR, or point --base-url / "
                "ATLAS_DATA_BASE_URL at a mirror of one.")
        self.stdout.write(self.style.SUCCESS("DATA_DIR complete: every file matches its sha256"))
