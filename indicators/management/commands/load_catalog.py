from django.core.management.base import BaseCommand, CommandError

from indicators.services.catalog import CatalogInvalid, catalog_load


class Command(BaseCommand):
    help = "Validate and load the YAML indicator catalog (default: indicators/catalog/definitions). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None, help="a YAML file or a directory of YAML files")

    def handle(self, *args, **options):
        try:
            indicators = catalog_load(options["path"])
        except CatalogInvalid as exc:
            self.stderr.write("\n".join(str(e) for e in exc.errors))
            raise CommandError(f"{len(exc.errors)} error(s) in the catalog; nothing loaded") from exc
        self.stdout.write(f"{len(indicators)} indicator(s) loaded: {', '.join(i.code for i in indicators)}")
