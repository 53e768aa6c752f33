from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales.cases.transitions import OPEN
from aftersales.sla.models import (
    Escalation,
    EscalationRule,
    SlaClock,
    SlaClockEvent,
    SlaPolicy,
    SlaTarget,
)


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "service_level",
        "warranty",
        "case_type",
        "severity",
        "is_default",
        "is_active",
        "order",
    )
    list_filter = ("is_active", "service_level", "case_type")
    search_fields = ("code", "name")
    inlines = [SlaTargetInline]
    actions = ["reapply_to_open_cases"]

    @admin.action(description=_("Re-apply to the open cases that use the selected policies"))
    def reapply_to_open_cases(self, request, queryset):  # type: ignore[no-untyped-def]
        from aftersales.cases.models import Case
        from aftersales.cases.services import case_sla_reapply

        cases = Case.objects.filter(sla_policy__in=queryset, status__in=OPEN)
        changed = sum(1 for case in cases if case_sla_reapply(case=case, by=request.user))
        self.message_user(
            request,
            ngettext("%(n)d open case recomputed.", "%(n)d open cases recomputed.", changed)
            % {"n": changed},
            messages.SUCCESS,
        )


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ("severity", "target", "level", "after_minutes", "recipients", "is_active")
    list_filter = ("severity", "target", "is_active")


class SlaClockEventInline(admin.TabularInline):
    model = SlaClockEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "status", "reason", "due_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ("case", "target", "state", "due_at", "met_at", "calendar", "escalation_level")
    list_filter = ("state", "target", "calendar")
    search_fields = ("=case__number",)
    list_select_related = ("case", "calendar")
    inlines = [SlaClockEventInline]
    readonly_fields = [f.name for f in SlaClock._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("case", "level", "actor", "at", "recipients")
    search_fields = ("=case__number",)
    list_select_related = ("case", "actor")
    readonly_fields = ("case", "clock", "level", "reason", "actor", "at", "recipients")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
