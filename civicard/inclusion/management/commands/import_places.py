"""`civicard import-places FILE.csv [--dry-run]`: import places in the national standard."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicard.core import clock
from civicard.inclusion import operations
from civicard.territory.queries import current_territory


class Command(BaseCommand):
    help = "Import places of digital mediation from a CSV file in the national standard."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and report; change nothing.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Cannot open the file: %(reason)s")
                               % {"reason": options["file"]})
        territory = current_territory()
        if territory is None:
            raise CommandError(_("No territory yet: run `civicard demo` or create one."))
        report = operations.import_places(source=path, territory=territory, actor=None,
                                          at=clock.now(), dry_run=options["dry_run"])
        for line in report_lines(report):
            self.stdout.write(line)
        if report.file_problem:
            raise CommandError(report.file_problem)
        if report.problems:
            raise CommandError(_("%(count)s line(s) were not imported.")
                               % {"count": len(report.invalid_lines)})


def report_lines(report) -> list[str]:
    lines = []
    if report.file_problem:
        return [report.file_problem]
    if report.dry_run:
        lines.append(_("Dry run: nothing was changed."))
    lines.append(_("Lines read: %(seen)s. New places: %(created)s. Updated: %(updated)s. "
                   "Unchanged: %(unchanged)s. Lines with problems: %(invalid)s.") % {
        "seen": report.rows_seen, "created": len(report.created),
        "updated": len(report.updated), "unchanged": len(report.unchanged),
        "invalid": len(report.invalid_lines)})
    lines.extend(problem.text() for problem in report.problems)
    return lines
