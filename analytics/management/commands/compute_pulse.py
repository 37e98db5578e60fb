"""compute_pulse [--as-of YYYY-MM-DD]: the daily pulse (lifecycle, surge/plunge) as of yesterday by default."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from analytics.services.pulse import pulse_compute


class Command(BaseCommand):
    help = "Recompute every customer's month-to-date pulse: lifecycle and 30-day surge/plunge as of a day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: yesterday, Asia/Shanghai)")

    def handle(self, *args, **options) -> None:
        try:
            day = (dt.date.fromisoformat(options["as_of"]) if options["as_of"]
                   else timezone.localdate() - dt.timedelta(days=1))
        except ValueError as exc:
            raise CommandError(f"--as-of: expected YYYY-MM-DD, got {options['as_of']!r}", returncode=2) from exc
        self.stdout.write(f"pulse as of {day}: {pulse_compute(as_of=day)} customers")
