"""manage.py disclosure_audit CODE [--release N]: can any withheld count be pinned down from what is published?"""

from django.core.management.base import BaseCommand, CommandError

from geo.models import Area
from indicators.models import Indicator
from indicators.services.disclosure import AuditError, indicator_disclosure_audit

SHOWN = 20


class Command(BaseCommand):
    help = ("Audit an indicator's release: the feasible interval of every withheld count given all the counts "
            "it publishes (linear programming). Exits 1 when a suppressed count is narrower than the threshold.")

    def add_arguments(self, parser):
        parser.add_argument("code", nargs="?", help="indicator code")
        parser.add_argument("--release", type=int, help="release id (default: the published one)")
        parser.add_argument("--all", action="store_true", help="every published indicator, one after the other")

    def handle(self, *args, code, release, all, **options):
        if all:
            return self._all()
        if not code:
            raise CommandError("give an indicator code, or --all")
        indicator = Indicator.objects.filter(code=code).select_related("numerator_dataset").first()
        if indicator is None:
            raise CommandError(f"unknown indicator code {code!r}")
        self._one(indicator, release)
        self.stdout.write(self.style.SUCCESS("no suppressed count can be pinned down"))

    def _all(self):
        failed = []
        for indicator in (Indicator.objects.filter(publication__isnull=False).select_related("numerator_dataset")
                          .order_by("code")):
            try:
                self._one(indicator, None)
            except CommandError as exc:
                failed.append(indicator.code)
                self.stderr.write(f"{indicator.code}: {exc}")
        if failed:
            raise CommandError(f"{len(failed)} indicator(s) fail the audit: {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS("no suppressed count of any published indicator can be pinned down"))

    def _one(self, indicator, release):
        try:
            result = indicator_disclosure_audit(indicator, release)
        except AuditError as exc:
            raise CommandError(str(exc)) from exc
        intervals = result.intervals
        self.stdout.write(f"{indicator.code}: {len(intervals)} withheld cell(s), threshold {result.threshold:g}")
        names = dict(Area.objects.filter(pk__in=intervals["area_id"].unique().tolist()).values_list("pk", "code"))
        narrowest = result.narrowest
        if narrowest is not None:
            self.stdout.write(f"narrowest interval: {_cell(narrowest, names)}")
        for problem in result.inconsistent:
            self.stderr.write(f"inconsistent published counts: {problem}")
        recoverable = result.recoverable.sort_values(["width", "period", "sex", "area_id"])
        for _, row in recoverable.head(SHOWN).iterrows():
            self.stderr.write(f"recoverable: {_cell(row, names)}")
        if len(recoverable) > SHOWN:
            self.stderr.write(f"... and {len(recoverable) - SHOWN} more recoverable cell(s)")
        if not result.ok:
            raise CommandError(f"{len(recoverable)} suppressed cell(s) can be pinned down to less than "
                               f"{result.threshold:g}")


def _cell(row, names) -> str:
    return (f"area {names.get(row['area_id'], row['area_id'])} period {row['period']} sex {row['sex']}: "
            f"[{row['lower']:g}, {row['upper']:g}] (width {row['width']:g})")
