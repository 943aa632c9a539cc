from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from config.progress import StepProgress
from geo.importers import ImportDataError
from indicators.models import Run
from indicators.services import runs
from indicators.services.demo import geography_import_if_changed, indicators_stamp, indicators_to_compute

STEPS = 4  # geography, real data, catalog, compute


class Command(BaseCommand):
    help = ("Demo content, idempotent: the geography and every real source file of DATA_DIR (plus the simulated "
            "commune deaths), the indicator catalog, and every active indicator computed through the run "
            "pipeline in this process. Content hashes (sha256) of the source files and of the definitions "
            "decide what is imported and computed again: a second run on unchanged files writes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--departments", default="", help="comma-separated department codes (default: all)")
        parser.add_argument("--force", action="store_true", help="re-import and recompute even when unchanged")

    def handle(self, *args, **options):
        departments = [c.strip().upper() for c in options["departments"].split(",") if c.strip()] or None
        force, verbosity = options["force"], options["verbosity"]
        # The inner commands report their own steps (e.g. one per reference file) on the same stderr.
        streams = {"stdout": self.stdout, "stderr": self.stderr, "verbosity": verbosity}
        progress = StepProgress(self.stderr, STEPS, label="demo_data", enabled=verbosity > 0)
        with progress:
            progress.step("geography")
            self._geography(departments, force, verbosity)
            progress.step("reference data")
            call_command("import_reference_data", *(["--departments", ",".join(departments)] if departments else []),
                         *(["--force"] if force else []), **streams)
            progress.step("catalog")
            call_command("load_catalog", **streams)
            progress.step("compute")
            self._compute(force)

    def _geography(self, departments, force, verbosity):
        if force:
            call_command("import_geography", *(["--departments", ",".join(departments)] if departments else []),
                         stdout=self.stdout, stderr=self.stderr, verbosity=verbosity)
            return
        inner = StepProgress(self.stderr, 10, label="import_geography", enabled=verbosity > 0)
        try:
            with inner:
                result = geography_import_if_changed(None, departments, step=inner.step)
        except ImportDataError as exc:
            raise CommandError(str(exc)) from exc
        if result is None:
            self.stdout.write("geography: unchanged since its last import (same sha256), skipped")
        else:
            self.stdout.write(f"geography: {result.areas} areas, {result.geometries} geometries")

    def _compute(self, force):
        todo, unchanged = indicators_to_compute(force)
        if unchanged:
            self.stdout.write(f"{len(unchanged)} indicator(s) unchanged since their last computation (same "
                              "definition and input hashes): not recomputed")
        if not todo:
            self.stdout.write("nothing to compute")
            return
        run = runs.run_create(codes=todo)
        self.stdout.write(f"run {run.pk}: computing {len(todo)} indicator(s) in this process")
        run = runs.run_execute(run.pk)
        if run.status != Run.Status.SUCCEEDED:
            raise CommandError(f"run {run.pk} failed: {run.error}")
        indicators_stamp(todo)
        self.stdout.write(self.style.SUCCESS(f"run {run.pk} succeeded: release {run.release_id} published"))
