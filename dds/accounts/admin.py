from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import services
from .models import ApiKey, AuthenticationService, SoftwareAgent, User, UserIdentity

AUDIT_READONLY = ("created_on", "created_by", "last_updated_on", "last_updated_by", "deleted_on", "deleted_by")


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ("key", "created_on")
    readonly_fields = ("key", "created_on")
    extra = 0
    can_delete = True


class UserIdentityInline(admin.TabularInline):
    model = UserIdentity
    extra = 0


@admin.action(description="Regenerate the API key (the old one stops working)")
def regenerate_key(modeladmin, request, queryset):
    for owner in queryset:
        services.api_key_rotate(owner=owner)
    messages.success(request, f"Regenerated {queryset.count()} key(s).")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "email", "is_active", "is_superuser", "last_login")
    search_fields = ("username", "full_name", "email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("full_name", "first_name", "last_name", "email")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Audit", {"fields": ("last_login", *AUDIT_READONLY)}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "email", "password1", "password2")}),
    )
    readonly_fields = ("last_login", *AUDIT_READONLY)
    inlines = [ApiKeyInline, UserIdentityInline]
    actions = [regenerate_key]


@admin.register(SoftwareAgent)
class SoftwareAgentAdmin(admin.ModelAdmin):
    list_display = ("name", "created_by", "is_deleted", "created_on")
    list_filter = ("is_deleted",)
    search_fields = ("name", "description")
    readonly_fields = AUDIT_READONLY
    inlines = [ApiKeyInline]
    actions = [regenerate_key]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "software_agent", "created_on")
    search_fields = ("user__username", "software_agent__name")
    readonly_fields = ("key", "created_on")
    list_select_related = ("user", "software_agent")


@admin.action(description="Make the default (clients find users and /login signs in through it)")
def make_default(modeladmin, request, queryset):
    if queryset.count() != 1:
        messages.error(request, "Choose exactly one service to make the default.")
        return
    service = services.authentication_service_make_default(service=queryset.get())
    messages.success(request, f"{service} is now the default.")


@admin.register(AuthenticationService)
class AuthenticationServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "base_uri", "service_id", "is_default", "is_deprecated")
    list_filter = ("kind", "is_default", "is_deprecated")
    fieldsets = (
        (None, {"fields": ("name", "kind", "is_default", "is_deprecated", "service_id")}),
        ("OpenID Connect issuer", {"fields": ("base_uri", "client_id", "client_secret", "scope", "audience")}),
        (
            "Claims",
            {"fields": ("username_claim", "full_name_claim", "first_name_claim", "last_name_claim", "email_claim")},
        ),
        ("Shown to clients", {"fields": ("login_initiation_url", "login_response_type")}),
    )
    actions = [make_default]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["client_secret"].widget = forms.PasswordInput(render_value=True)
        return form
