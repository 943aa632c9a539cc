from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Demo content, idempotent: the reference data of DATA_DIR, the indicator catalog and, when the compute "
            "command is installed, every active indicator computed.")

    def add_arguments(self, parser):
        parser.add_argument("--departments", default="", help="comma-separated department codes (default: all)")

    def handle(self, *args, **options):
        departments = options["departments"]
        call_command("import_reference_data", *(["--departments", departments] if departments else []),
                     stdout=self.stdout, stderr=self.stderr)
        call_command("load_catalog", stdout=self.stdout, stderr=self.stderr)
        # The compute pipeline lands separately; demo must work before and after it does.
        if "compute" in get_commands():
            call_command("compute", "--all", "--sync", stdout=self.stdout, stderr=self.stderr)
        else:
            self.stdout.write("compute command not installed: indicators not computed")
