from datetime import timedelta

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.dispatch.models import (
    Absence,
    BackupUnit,
    Certification,
    DispatchRule,
    EngineerProfile,
    Loan,
    PlannedCase,
    Rotation,
    RotationMember,
    ServicePlan,
    ShiftSwap,
    Visit,
    VisitPart,
)
from aftersales.dispatch.services import rotation_generate


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(EngineerProfile)
class EngineerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "home_region", "capacity", "calendar")
    list_filter = ("home_region",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
    filter_horizontal = ("regions_served",)
    inlines = [CertificationInline, AbsenceInline]


class VisitPartInline(admin.TabularInline):
    model = VisitPart
    extra = 0
    can_delete = False
    readonly_fields = ("part", "serial_out", "serial_in")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """Visits are recorded through the console and the engineers' phone page; read-only here."""

    list_display = ("case", "kind", "engineer", "status", "planned_at", "arrived_at", "departed_at")
    list_filter = ("kind", "status")
    search_fields = ("case__number", "engineer__username")
    list_select_related = ("case", "engineer")
    inlines = [VisitPartInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class RotationMemberInline(admin.TabularInline):
    model = RotationMember
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(Rotation)
class RotationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "team", "starts_at", "shift_hours", "is_active")
    list_filter = ("region", "is_active")
    search_fields = ("code", "name")
    inlines = [RotationMemberInline]
    actions = ["generate_four_weeks"]

    @admin.action(description=_("Write the shifts for the next four weeks"))
    def generate_four_weeks(self, request, queryset):  # type: ignore[no-untyped-def]
        until = clock.now() + timedelta(days=28)
        created = sum(rotation_generate(rotation=r, until=until) for r in queryset)
        self.message_user(request, _("%(n)d shifts written.") % {"n": created})


@admin.register(ShiftSwap)
class ShiftSwapAdmin(admin.ModelAdmin):
    list_display = ("shift", "from_user", "to_user", "reason", "created_by", "created_at")
    search_fields = ("from_user__username", "to_user__username", "reason")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class PlannedCaseInline(admin.TabularInline):
    model = PlannedCase
    extra = 0
    can_delete = False
    fields = ("period_start", "case", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ServicePlan)
class ServicePlanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "case_type", "contract", "asset", "every_months", "is_active")
    list_filter = ("case_type", "is_active")
    search_fields = ("code", "name", "contract__number", "asset__serial_number")
    autocomplete_fields = ("contract", "asset", "team")
    inlines = [PlannedCaseInline]


@admin.register(BackupUnit)
class BackupUnitAdmin(admin.ModelAdmin):
    list_display = ("serial_number", "product", "region", "is_active")
    list_filter = ("region", "is_active")
    search_fields = ("serial_number", "product__name")
    autocomplete_fields = ("product",)


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    """Loans are issued and returned on the case page; read-only here."""

    list_display = ("unit", "case", "issued_at", "due_back", "returned_at")
    list_filter = ("returned_at",)
    search_fields = ("unit__serial_number", "case__number")
    list_select_related = ("unit", "case")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ("case_type", "severity", "skilled_only", "is_active")
    list_filter = ("case_type", "is_active")
