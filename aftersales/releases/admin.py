from django.contrib import admin

from aftersales.releases.models import ReleaseNotice, SoftwareRelease


class ReleaseNoticeInline(admin.TabularInline):
    model = ReleaseNotice
    extra = 0
    can_delete = False
    fields = ("customer", "contact", "email", "assets", "case", "sent_at", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SoftwareRelease)
class SoftwareReleaseAdmin(admin.ModelAdmin):
    """Publishing notifies customers: do it through the API (or the action below)."""

    list_display = ("product", "version", "severity", "released_on", "published_at")
    list_filter = ("severity", "product")
    search_fields = ("version", "product__name", "product__code")
    readonly_fields = ("created_by", "created_at", "published_at", "published_by")
    inlines = [ReleaseNoticeInline]
    actions = ["publish"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from aftersales.core import clock

        if not change:
            obj.created_by, obj.created_at = request.user, clock.now()
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish and notify entitled customers")
    def publish(self, request, queryset):  # type: ignore[no-untyped-def]
        from aftersales.core.errors import DomainError
        from aftersales.releases.services import release_publish

        for release in queryset:
            try:
                notices = release_publish(release=release, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{release}: {exc.message}", level="error")
            else:
                self.message_user(request, f"{release}: {len(notices)}")
