from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicard.core import clock
from civicard.ops.backups import BackupError, backup, read_manifest


class Command(BaseCommand):
    help = ("Back up the database (pg_dump, custom format) and the uploaded media into a new "
            "folder under DESTINATION, with a manifest of checksums and row counts.")

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path)

    def handle(self, *args, destination, **options):
        try:
            folder = backup(destination, at=clock.now())
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = read_manifest(folder)
        counts = manifest["row_counts"]
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {folder}: {len(counts)} tables, {sum(counts.values())} rows, "
            f"{manifest['media_files']} media files."))
