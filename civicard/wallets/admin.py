from django.contrib import admin

from civicard.wallets.models import Account, Enrolment, LedgerEntry, OnlinePayment, Service, Tariff


class TariffInline(admin.TabularInline):
    model = Tariff
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "payment_mode", "shortage_rule", "floor_cents",
                    "is_active")
    list_filter = ("payment_mode", "shortage_rule")
    inlines = [TariffInline]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("service", "household", "person", "starts_on", "ends_on")
    raw_id_fields = ("household", "person")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """Read-only: balances move only through ledger operations."""

    list_display = ("household", "service", "balance_cents", "currency")
    list_filter = ("service",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(AccountAdmin):
    list_display = ("at", "account", "kind", "amount_cents", "balance_after_cents", "means",
                    "actor")
    list_filter = ("kind", "means")


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(AccountAdmin):
    list_display = ("reference", "provider", "account", "amount_cents", "status", "created_at")
    list_filter = ("status", "provider")
