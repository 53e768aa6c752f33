"""Case admin: look any case up by number, serial number, customer or contact phone.

Edits go through ``cases.services`` so the admin writes the same timeline as every other client.
"""

from django import forms
from django.contrib import admin

from aftersales.cases import services
from aftersales.cases.models import Case, CaseEvent, Comment
from aftersales.core.errors import ValidationFailed


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = (
        "at",
        "kind",
        "actor",
        "from_status",
        "to_status",
        "field",
        "old_value",
        "new_value",
        "note",
        "is_public",
    )
    readonly_fields = fields
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class CaseAdminForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = [
            "customer",
            "contact",
            "site",
            "asset",
            "contract",
            "case_type",
            "channel",
            "severity",
            "summary",
            "description",
            "reported_at",
            "assignee",
            "team",
            "resolution",
        ]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        customer = data.get("customer")
        if customer is not None:
            try:
                services.validate_case_references(
                    customer=customer,
                    asset=data.get("asset"),
                    contact=data.get("contact"),
                    site=data.get("site"),
                    contract=data.get("contract"),
                    assignee=data.get("assignee"),
                )
            except ValidationFailed as exc:
                raise forms.ValidationError(
                    {k: [str(m) for m in v] for k, v in exc.as_data().items()}
                ) from exc
        return data


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    form = CaseAdminForm
    list_display = (
        "number",
        "status",
        "severity",
        "case_type",
        "channel",
        "customer",
        "asset",
        "assignee",
        "reported_at",
    )
    list_filter = ("status", "severity", "case_type", "channel", "customer__region")
    search_fields = (
        "=number",
        "asset__serial_number",
        "customer__name",
        "customer__code",
        "contact__name",
        "contact__phone",
        "contact__mobile",
        "summary",
    )
    list_select_related = ("customer", "asset", "assignee")
    autocomplete_fields = ("customer", "asset", "contact", "site", "contract", "assignee", "team")
    readonly_fields = (
        "number",
        "status",
        "reopen_count",
        "version",
        "responded_at",
        "resolved_at",
        "closed_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "reported_at"
    inlines = [CaseEventInline]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            changes = {
                f: form.cleaned_data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS
            }
            saved = services.case_update(case=obj, by=request.user, changes=changes)
        else:
            fields = {
                f: form.cleaned_data.get(f)
                for f in (
                    "customer",
                    "asset",
                    "contact",
                    "site",
                    "contract",
                    "case_type",
                    "channel",
                    "severity",
                    "summary",
                    "description",
                    "reported_at",
                    "assignee",
                    "team",
                )
            }
            fields["description"] = fields["description"] or ""
            saved = services.case_create(by=request.user, **fields)
        obj.pk = saved.pk
        obj.number = saved.number

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("case", "author", "is_public", "created_at")
    list_filter = ("is_public",)
    search_fields = ("=case__number", "body")
    readonly_fields = ("case", "author", "body", "is_public", "created_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
