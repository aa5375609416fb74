"""`civicard import-events FILE_OR_URL --publisher SLUG [--dry-run]`: read an .ics once and
print what it added, changed and cancelled (the worker reads publishers' feeds on schedule)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicard.agenda import operations
from civicard.agenda.exceptions import FeedUnreadable
from civicard.agenda.models import Publisher
from civicard.core import clock


class Command(BaseCommand):
    help = "Import events from an iCalendar file or URL for one publisher."

    def add_arguments(self, parser):
        parser.add_argument("source", help="path of an .ics file, or an http(s) URL")
        parser.add_argument("--publisher", required=True, help="the publisher's slug")
        parser.add_argument("--dry-run", action="store_true", help="report without writing")

    def handle(self, source, publisher, dry_run, **options):
        found = Publisher.objects.filter(slug=publisher).first()
        if found is None:
            raise CommandError(f"No publisher with the slug {publisher!r}.")
        try:
            if source.startswith(("http://", "https://")):
                text = operations.fetch_calendar(source)
            else:
                text = Path(source).read_text(encoding="utf-8", errors="replace")
        except (FeedUnreadable, OSError) as error:
            message = error.text() if isinstance(error, FeedUnreadable) else str(error)
            raise CommandError(f"Cannot read {source}: {message}") from error
        report = operations.import_calendar(publisher=found, text=text, at=clock.now(),
                                            dry_run=dry_run)
        for title in report.added:
            self.stdout.write(f"added: {title}")
        for title in report.changed:
            self.stdout.write(f"changed: {title}")
        for title in report.cancelled:
            self.stdout.write(f"cancelled: {title}")
        for problem in report.problems:
            self.stderr.write(f"problem: {problem}")
        prefix = "would be " if dry_run else ""
        self.stdout.write(f"{len(report.added)} {prefix}added, {len(report.changed)} {prefix}"
                          f"changed, {len(report.cancelled)} {prefix}cancelled, "
                          f"{len(report.problems)} problems")
