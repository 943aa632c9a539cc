from django.core.management.base import BaseCommand, CommandError

from config.progress import StepProgress
from indicators.services.datasets import format_report
from indicators.services.reference import REFERENCE_STEPS, SOURCES, reference_data_import, skipped_summary


class Command(BaseCommand):
    help = (
        "Import the real source files of DATA_DIR as datasets: INSEE population (1975-2021), DREES doctors, "
        "nurses and dentists (2012-2020), CNAM ALD 2019 (counts, masked <10 kept masked; standardised rates), "
        "SPF COVID-19 hospital, admissions by age and vaccination, INSEE deaths 2018-2020. A dataset whose "
        "source files are unchanged since its last import is skipped (sha256)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departments", default="", help="comma-separated codes, e.g. 29,2A,976")
        parser.add_argument("--data-dir", default=None)
        parser.add_argument("--only", default="", help=f"comma-separated dataset codes among {', '.join(SOURCES)}")
        parser.add_argument("--force", action="store_true", help="re-import even when the source is unchanged")

    def handle(self, *args, **options):
        only = [c.strip() for c in options["departments"].split(",") if c.strip()] or None
        codes = [c.strip() for c in options["only"].split(",") if c.strip()] or None
        unknown = sorted(set(codes or []) - set(SOURCES))
        if unknown:
            raise CommandError(f"unknown dataset code(s): {', '.join(unknown)}")
        progress = StepProgress(self.stderr, len(codes) if codes else REFERENCE_STEPS,
                                label="import_reference_data", enabled=options["verbosity"] > 0)
        with progress:
            outcomes = reference_data_import(options["data_dir"], only, step=progress.step, codes=codes,
                                             force=options["force"])
        failed = [o.dataset for o in outcomes if not o.result.ok]
        for outcome in outcomes:
            self._report(outcome)
        if failed:
            raise CommandError(f"reference data not imported (nothing written for them): {', '.join(failed)}")

    def _report(self, outcome):
        result = outcome.result
        if outcome.unchanged:
            self.stdout.write(f"{outcome.dataset}: unchanged since its last import (same sha256), skipped")
            return
        if not result.ok:
            file = result.report.get("file", "")
            self.stderr.write(f"{outcome.dataset}: invalid {file}\n{format_report(result.report)}")
            return
        self.stdout.write(f"{outcome.dataset}: {result.rows} observation(s), periods "
                          f"{min(result.periods, default='-')}-{max(result.periods, default='-')}")
        for run in skipped_summary(outcome.skipped):
            if not run["first"]:
                where = ""
            elif run["rows"] == 1:
                where = f"line {run['first']}: "
            else:
                where = f"lines {run['first']}-{run['last']} ({run['rows']} rows): "
            file = f"{run['file']} " if run["file"] else ""
            self.stdout.write(f"  skipped {file}{where}{run['value'].strip()[:80]!r} ({run['reason']})")
