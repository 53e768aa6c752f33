from django.contrib import admin

from aftersales.dispatch.models import Absence, Certification, EngineerProfile, Visit, VisitPart


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
