"""manage.py import_territories FILE.csv --code ars-bretagne --name "...": a user-defined territory set."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.core.exceptions import ValidationError
from tqdm import tqdm

from geo.importers import ImportDataError
from geo.services import territory_set_import


class Command(BaseCommand):
    help = ("Import (or replace) a territory set from a CSV with columns code_commune, code_territoire, "
            "nom_territoire (separator ; or , ; UTF-8 or Latin-1).")

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file: code_commune;code_territoire;nom_territoire")
        parser.add_argument("--code", required=True, help="Slug of the set, e.g. ars-bretagne")
        parser.add_argument("--name", required=True, help="Display name of the set")
        parser.add_argument("--description", default="")

    def handle(self, *args, **options):
        try:
            validate_slug(options["code"])
        except ValidationError as exc:
            raise CommandError(f"--code {options['code']!r}: letters, digits, - and _ only") from exc
        bar = tqdm(total=4, file=sys.stderr, unit="step", disable=options["verbosity"] == 0)

        def step(name):
            bar.set_description(name)
            bar.update(1)

        try:
            result = territory_set_import(options["file"], options["code"], options["name"],
                                          options["description"], step=step)
        except ImportDataError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        verb = "Replaced" if result.replaced else "Created"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} territory set {result.territory_set.code}: {result.territories} territories, "
            f"{result.communes} communes"))
