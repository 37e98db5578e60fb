"""set_policy FILE.json: validate, save as a new version, activate; prints `policy version N active`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.engine.policy import PolicyError
from analytics.services.policies import policy_set


class Command(BaseCommand):
    help = "Validate a grading policy JSON file, save it as a new version and activate it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--comment", default="")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text") from exc
        try:
            row = policy_set(data=text, comment=options["comment"] or path.name)
        except PolicyError as exc:
            for problem in exc.errors:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(f"{path}: {len(exc.errors)} problem(s); nothing saved") from exc
        self.stdout.write(f"policy version {row.version} active")
