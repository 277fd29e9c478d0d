from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse

from dds.audit import Actor

from . import services
from .models import ApiKey, AuthenticationService, Directory, SoftwareAgent, User, UserIdentity
from .signin import redirect_uri

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


@admin.action(description="Merge two accounts of one person (identities, keys, project roles)")
def merge_accounts(modeladmin, request, queryset):
    """Two accounts chosen: a page asks which one stays; confirmed, the other is merged into it and disabled."""
    accounts = list(queryset.prefetch_related("identities__authentication_service").order_by("date_joined", "pk"))
    if len(accounts) != 2:
        messages.error(request, "Choose exactly two accounts to merge.")
        return None
    into = next((account for account in accounts if str(account.pk) == request.POST.get("keep")), None)
    if into is None:
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": "Merge two accounts",
            "accounts": accounts,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/user/merge_accounts.html", context)
    user = next(account for account in accounts if account.pk != into.pk)
    try:
        with transaction.atomic():
            services.user_merge(actor=Actor(user=request.user), user=user, into=into)
            modeladmin.log_change(request, into, f"Merged the account {user} into this one.")
            modeladmin.log_change(request, user, f"Merged into the account {into}, and disabled.")
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return None
    messages.success(request, f"Merged {user} into {into}; {user} is disabled.")
    return None


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "email", "is_active", "is_superuser", "last_login")
    search_fields = ("username", "full_name", "email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("full_name", "first_name", "last_name", "email")}),
        ("Signs in through", {"fields": ("authentication_service",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Audit", {"fields": ("last_login", *AUDIT_READONLY)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "email", "authentication_service", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", *AUDIT_READONLY)
    list_filter = ("is_active", "is_staff", "is_superuser", "authentication_service")
    inlines = [ApiKeyInline, UserIdentityInline]
    actions = [regenerate_key, merge_accounts]


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


class DirectoryInline(admin.StackedInline):
    """The institution's LDAP directory, where `/auth_providers/{id}/affiliates` finds its people."""

    model = Directory
    extra = 0
    max_num = 1
    fieldsets = (
        (None, {"fields": ("url", "bind_dn", "bind_password", "base_dn", "person_filter", "timeout")}),
        (
            "Attributes",
            {
                "fields": (
                    "uid_attribute",
                    "username_attribute",
                    "full_name_attribute",
                    "first_name_attribute",
                    "last_name_attribute",
                    "email_attribute",
                )
            },
        ),
        ("TLS", {"fields": ("start_tls", "verify_certificate", "ca_certificates")}),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "bind_password":
            kwargs["widget"] = forms.PasswordInput(render_value=True)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(AuthenticationService)
class AuthenticationServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "base_uri", "service_id", "is_default", "is_deprecated")
    list_filter = ("kind", "is_default", "is_deprecated")
    actions = [make_default]

    def get_inlines(self, request, obj):
        """An OpenID Connect service, once saved, can have a directory."""
        if obj is not None and obj.kind == AuthenticationService.Kind.OPENID:
            return [DirectoryInline]
        return []

    def get_fieldsets(self, request, obj=None):
        """The fields the service's kind uses (a new service is an OpenID Connect one unless told otherwise); an
        OpenID Connect service shows the redirect URI to register at its provider."""
        service = (None, {"fields": ("name", "kind", "is_default", "is_deprecated", "service_id")})
        if obj is not None and obj.kind != AuthenticationService.Kind.OPENID:
            return (service, ("Shown to clients", {"fields": ("login_initiation_url", "login_response_type")}))
        issuer = {
            "fields": ("base_uri", "client_id", "client_secret", "scope", "audience"),
            "description": f"Register DDS at the provider with the redirect URI {redirect_uri(request)}",
        }
        claims = {"fields": ("username_claim", "full_name_claim", "first_name_claim", "last_name_claim", "email_claim")}
        return (service, ("OpenID Connect issuer", issuer), ("Claims", claims))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "client_secret" in form.base_fields:
            form.base_fields["client_secret"].widget = forms.PasswordInput(render_value=True)
        return form
