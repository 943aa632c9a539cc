"""manage.py import_geography: COG 2026 codes and populations + IGN boundaries into Area & co."""

from django.core.management.base import BaseCommand, CommandError

from config.progress import StepProgress
from geo.importers import ImportDataError
from geo.services import geography_import

PHASES = 10  # steps reported by geography_import (COG, 5 geometry levels, 4 writes)


class Command(BaseCommand):
    help = "Import regions, departments, EPCIs and communes (COG 2026) with populations and web geometries."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", help="Reference data folder (default: settings.DATA_DIR)")
        parser.add_argument(
            "--departments",
            help="Comma-separated department codes to import only those (e.g. 29,2A,976), with their regions "
            "and the EPCIs touching them",
        )

    def handle(self, *args, **options):
        departments = [d.strip().upper() for d in (options["departments"] or "").split(",") if d.strip()] or None
        try:
            progress = StepProgress(self.stderr, PHASES, label="import_geography", enabled=options["verbosity"] > 0)
            with progress:
                result = geography_import(options["data_dir"], departments, step=progress.step)
        except ImportDataError as exc:
            raise CommandError(str(exc)) from exc
        self._report(result)

    def _report(self, result):
        out = self.stdout
        levels = ", ".join(f"{n} {level}" for level, n in sorted(result.levels.items()))
        out.write(f"Areas in this import: {levels}")
        out.write(f"Areas: {result.areas}")
        out.write(f"Memberships: {result.memberships}")
        out.write(f"Geometries: {result.geometries}")
        out.write(f"Aliases: {result.aliases}")
        out.write(f"Skipped {result.skipped_com} communes of the collectivités d'outre-mer "
                  "(no geometry, not a department)")
        if result.without_geometry:
            out.write(f"{len(result.without_geometry)} communes without geometry (kept, has_geometry=False): "
                      + ", ".join(result.without_geometry))
        if result.repaired:
            out.write("Repaired invalid geometries: " + ", ".join(f"{lv} {code}" for lv, code in result.repaired))
        out.write(self.style.SUCCESS("Geography up to date" if not result.changed else "Geography imported"))
