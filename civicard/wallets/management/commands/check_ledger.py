import sys

from django.core.management.base import BaseCommand

from civicard.wallets.queries import check_ledger


class Command(BaseCommand):
    help = "Recompute every account balance from its ledger entries; exit 1 on any difference."

    def handle(self, *args, **options):
        differences = check_ledger()
        for d in differences:
            self.stderr.write(f"account {d.account_id}: {d.reason} stored {d.stored_cents} "
                              f"!= computed {d.computed_cents}")
        if differences:
            self.stderr.write(self.style.ERROR(f"{len(differences)} difference(s)."))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("Ledger consistent: every balance equals the sum "
                                             "of its entries."))
