from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicard.ops.backups import BackupError, restore


class Command(BaseCommand):
    help = ("Restore a `civicard backup` folder into a new database on the server of "
            "DATABASE_URL and its media into a new folder; the checksums are checked first and "
            "every table's row count last.")

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the folder `civicard backup` wrote")
        parser.add_argument("--database", required=True,
                            help="name of the new database to create and fill")
        parser.add_argument("--media-root", type=Path, required=True,
                            help="new or empty folder for the uploaded media")

    def handle(self, *args, backup, database, media_root, **options):
        try:
            restored = restore(backup, database=database, media_root=media_root)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Restored into database {restored.database}: {restored.tables} tables, "
            f"{restored.rows} rows as in the backup; {restored.media_files} media files in "
            f"{media_root}. Point DATABASE_URL and CIVICARD_VAR_DIR at them, then run "
            "`civicard check-ledger`."))
