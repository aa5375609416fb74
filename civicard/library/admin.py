"""Staff pages for the catalogue and the libraries' settings. Loans, returns and holds are not
edited here: they change only through the desk, the kiosks and the residents' pages."""

from django import forms
from django.contrib import admin
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from civicard.library.catalogue import search_text
from civicard.library.models import Branch, Copy, Kiosk, Library, Membership, Title


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 1


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "system", "membership_scope", "fee_cents")
    inlines = [BranchInline]


class CopyInline(admin.TabularInline):
    model = Copy
    fields = ("barcode", "branch", "pieces", "state")
    readonly_fields = ("state",)
    extra = 1


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "kind", "library", "year")
    list_filter = ("library", "kind")
    search_fields = ("search_text", "isbn", "record_id", "copies__barcode")
    exclude = ("search_text",)
    inlines = [CopyInline]

    def save_model(self, request, obj, form, change):
        obj.search_text = search_text(obj)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for copy in formset.save(commit=False):
            copy.library_id = form.instance.library_id
            copy.save()
        for copy in formset.deleted_objects:
            copy.delete()


class KioskForm(forms.ModelForm):
    password = forms.CharField(label=_("Password of the kiosk"), widget=forms.PasswordInput,
                               required=False, min_length=12,
                               help_text=_("Leave empty to keep the current password."))

    class Meta:
        model = Kiosk
        fields = ("library", "branch", "name", "login", "is_active")

    def save(self, commit=True):
        if self.cleaned_data["password"]:
            self.instance.password_hash = make_password(self.cleaned_data["password"])
        return super().save(commit)


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    form = KioskForm
    list_display = ("name", "login", "library", "branch", "is_active")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("number", "library", "person", "household", "ends_on")
    list_filter = ("library",)
    search_fields = ("number",)
    readonly_fields = ("created_at",)
