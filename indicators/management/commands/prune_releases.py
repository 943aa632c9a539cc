"""manage.py prune_releases [--keep N] [--dry-run]: delete the releases no reader can reach."""

from django.core.management.base import BaseCommand, CommandError

from indicators.services.releases import release_prune


class Command(BaseCommand):
    help = ("Delete superseded releases (keeping the --keep most recently published ones, e.g. the previous "
            "figures) and the unpublished releases of failed runs. Published releases and those of active runs "
            "are never touched.")

    def add_arguments(self, parser):
        parser.add_argument("--keep", type=int, default=1,
                            help="superseded releases to keep, most recently published first (default 1)")
        parser.add_argument("--dry-run", action="store_true", help="report what would be deleted, delete nothing")

    def handle(self, *args, keep, dry_run, **options):
        if keep < 0:
            raise CommandError("--keep must be 0 or more")
        result = release_prune(keep=keep, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        listed = ", ".join(str(pk) for pk in result.releases) or "none"
        self.stdout.write(f"{verb} {len(result.releases)} release(s) ({listed}) holding {result.values:,} value(s)")
