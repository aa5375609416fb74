from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from civicard.people.models import Household, Membership, Person, RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "is_active", "is_staff", "date_joined")
    search_fields = ("email",)
    fieldsets = ((None, {"fields": ("email", "password", "is_active", "is_staff",
                                    "is_superuser")}),)
    add_fieldsets = ((None, {"fields": ("email", "password1", "password2")}),)
    inlines = [RoleInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("person",)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("pk", "territory", "created_at")
    inlines = [MembershipInline]
    raw_id_fields = ("address",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "language", "birth_date", "erased_at")
    search_fields = ("full_name", "email")
    raw_id_fields = ("user",)
