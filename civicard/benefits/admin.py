from django import forms
from django.contrib import admin

from civicard.benefits.models import (
    Accreditation,
    Booklet,
    BookletBatch,
    Correction,
    Funder,
    Programme,
    ProgrammeMember,
    Redemption,
    SocialService,
    StaffLink,
    Statement,
    Venue,
)
from civicard.core import opening_hours


class AccreditationInline(admin.TabularInline):
    model = Accreditation
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "funder", "kind", "grant", "eligibility", "starts_on", "ends_on")
    inlines = [AccreditationInline]
    filter_horizontal = ("neighbourhoods",)


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["territory", "name", "address", "neighbourhood", "opening_hours", "latitude",
                  "longitude", "iban"]

    def clean_opening_hours(self) -> str:
        text = self.cleaned_data["opening_hours"]
        if reason := opening_hours.problem(text):
            raise forms.ValidationError(reason)
        return text


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    form = VenueForm
    list_display = ("name", "neighbourhood", "opening_hours")
    search_fields = ("name",)


@admin.register(Booklet)
class BookletAdmin(admin.ModelAdmin):
    list_display = ("number", "programme", "social_service", "status", "handed_out_at")
    list_filter = ("status", "programme")
    search_fields = ("number",)
    readonly_fields = ("person",)


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ("at", "venue", "kind", "amount_cents", "undone_at")
    list_filter = ("kind", "venue")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("number", "venue", "month", "total_cents", "issued_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register([Funder, SocialService, StaffLink, BookletBatch, ProgrammeMember,
                     Correction])
