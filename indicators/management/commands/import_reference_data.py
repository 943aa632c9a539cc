from django.core.management.base import BaseCommand, CommandError

from config.progress import StepProgress
from indicators.services.datasets import format_report
from indicators.services.reference import REFERENCE_STEPS, reference_data_import


class Command(BaseCommand):
    help = (
        "Import the real reference files of DATA_DIR as datasets: INSEE population by department x sex x "
        "5-year band (1975-2021) and DREES doctors, nurses and dentists by department (2012-2020)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departments", default="", help="comma-separated codes, e.g. 29,2A,976")
        parser.add_argument("--data-dir", default=None)

    def handle(self, *args, **options):
        only = [c.strip() for c in options["departments"].split(",") if c.strip()] or None
        failed = []
        progress = StepProgress(self.stderr, REFERENCE_STEPS, label="import_reference_data",
                                enabled=options["verbosity"] > 0)
        with progress:
            outcomes = reference_data_import(options["data_dir"], only, step=progress.step)
        for outcome in outcomes:
            result = outcome.result
            if not result.ok:
                failed.append(outcome.dataset)
                self.stderr.write(f"{outcome.dataset}: invalid\n{format_report(result.report)}")
                continue
            self.stdout.write(f"{outcome.dataset}: {result.rows} observation(s), periods "
                              f"{min(result.periods, default='-')}-{max(result.periods, default='-')}")
            for skip in outcome.skipped:
                where = f"line {skip['line']}: " if skip["line"] else ""
                self.stdout.write(f"  skipped {where}{skip['value'].strip()[:80]!r} ({skip['reason']})")
        if failed:
            raise CommandError(f"reference data not imported: {', '.join(failed)}")
