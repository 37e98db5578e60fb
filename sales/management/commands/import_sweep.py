from typing import Any

from django.core.management.base import BaseCommand

from sales.imports.sweep import import_batches_sweep, lease


class Command(BaseCommand):
    help = "Mark imports still running after IMPORT_LEASE_SECONDS as failed (their process was killed)."

    def handle(self, *args: Any, **options: Any) -> None:
        swept = import_batches_sweep()
        self.stdout.write(f"{swept} abandoned import(s) marked failed (lease {lease()})")
