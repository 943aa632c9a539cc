from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from config.progress import StepProgress

STEPS = 3  # reference data, catalog, compute


class Command(BaseCommand):
    help = ("Demo content, idempotent: the reference data of DATA_DIR, the indicator catalog and, when the compute "
            "command is installed, every active indicator computed.")

    def add_arguments(self, parser):
        parser.add_argument("--departments", default="", help="comma-separated department codes (default: all)")

    def handle(self, *args, **options):
        departments = options["departments"]
        verbosity = options["verbosity"]
        # The inner commands report their own steps (e.g. one per reference file) on the same stderr.
        streams = {"stdout": self.stdout, "stderr": self.stderr, "verbosity": verbosity}
        progress = StepProgress(self.stderr, STEPS, label="demo_data", enabled=verbosity > 0)
        with progress:
            progress.step("reference data")
            call_command("import_reference_data", *(["--departments", departments] if departments else []),
                         **streams)
            progress.step("catalog")
            call_command("load_catalog", **streams)
            progress.step("compute")
            # The compute pipeline lands separately; demo must work before and after it does.
            if "compute" in get_commands():
                call_command("compute", "--all", "--sync", **streams)
            else:
                self.stdout.write("compute command not installed: indicators not computed")
