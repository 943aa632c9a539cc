"""manage.py compute [CODES...] [--all] [--sync]: compute indicators into a new release and publish it."""

from django.core.management.base import BaseCommand, CommandError

from indicators.models import Run
from indicators.services import runs


class Command(BaseCommand):
    help = "Compute indicators (by code, or --all active ones) and publish them as a new release."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="indicator codes")
        parser.add_argument("--all", action="store_true", dest="all_active", help="every active indicator")
        parser.add_argument("--sync", action="store_true",
                            help="compute in this process instead of enqueueing for the celery worker")

    def handle(self, *args, codes, all_active, sync, **options):
        if not codes and not all_active:
            raise CommandError("name indicator codes or pass --all")
        try:
            if sync:
                run = runs.run_create(codes=codes, all_active=all_active)
                self.stdout.write(f"run {run.pk}: computing {run.indicators.count()} indicator(s) in this process")
                run = runs.run_execute(run.pk)
            else:
                run = runs.run_start(codes=codes, all_active=all_active)
        except runs.RunError as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            raise CommandError(f"the run failed: {exc}") from exc
        run.refresh_from_db()
        if run.status == Run.Status.FAILED:
            raise CommandError(f"run {run.pk} failed: {run.error}")
        if run.status == Run.Status.SUCCEEDED:
            self.stdout.write(self.style.SUCCESS(
                f"run {run.pk} succeeded: release {run.release_id} published ({_summary(run)})"))
        else:
            self.stdout.write(f"run {run.pk} enqueued ({run.status}); follow it at /api/v1/runs/{run.pk}/")


def _summary(run: Run) -> str:
    stages = (run.timings or {}).get("stages", {})
    return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in stages.items()) or "no timing"
