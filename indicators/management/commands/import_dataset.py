from django.core.management.base import BaseCommand, CommandError

from geo.models import Level
from indicators.models import Dataset, Upload
from indicators.services.datasets import dataset_create, format_report
from indicators.services.uploads import upload_execute


class Command(BaseCommand):
    help = (
        "Validate a long-format CSV/XLSX file (area_code, period, sex, age_band, [category], value) and replace "
        "the dataset's observations for the periods it holds. Nothing is written if any row is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset_code")
        parser.add_argument("file")
        parser.add_argument("--create", action="store_true", help="create (or update) the dataset first")
        parser.add_argument("--name", default="")
        parser.add_argument("--level", default=Level.DEPARTMENT, choices=[c for c, _ in Level.choices])
        parser.add_argument("--publisher", default="")
        parser.add_argument("--licence", default="")
        parser.add_argument("--vintage", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--show", type=int, default=20, help="report lines printed on error")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        code = options["dataset_code"]
        if options["create"]:
            fields = {k: options[k] for k in ("publisher", "licence", "vintage", "url") if options[k]}
            dataset = dataset_create(code=code, name=options["name"] or code, level=options["level"], **fields)
        else:
            try:
                dataset = Dataset.objects.get(code=code)
            except Dataset.DoesNotExist as exc:
                raise CommandError(f"unknown dataset {code!r} (use --create --name ... --level ...)") from exc
        # The same job bookkeeping as an admin upload (status, progress, report), run here synchronously.
        upload = Upload.objects.create(dataset=dataset, original_name=options["file"])
        upload = upload_execute(upload.pk, options["file"], progress=not options["no_progress"])
        report = upload.report
        if upload.status != Upload.Status.IMPORTED:
            self.stderr.write(f"{options['file']}: {upload.status}, nothing written\n" + format_report(report,
                                                                                                  options["show"]))
            raise CommandError(f"{report['error_count']} error(s) in {options['file']}")
        self.stdout.write(
            f"{dataset.code}: {report['rows']} observation(s) imported for period(s) "
            f"{', '.join(map(str, report['periods']))} ({report['replaced']} replaced)"
        )
