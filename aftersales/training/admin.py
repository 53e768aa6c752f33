from django.contrib import admin

from aftersales.core.uploads import CheckedUploadsAdminMixin
from aftersales.training.models import Attendee, Course, CustomerTrainingSession, StaffTraining


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "audience", "product_line", "certificate_months")
    list_filter = ("audience", "product_line")
    search_fields = ("code", "name")


@admin.register(StaffTraining)
class StaffTrainingAdmin(admin.ModelAdmin):
    list_display = ("user", "course", "held_on", "result", "certificate_expires_on")
    list_filter = ("result", "course")
    search_fields = ("user__username", "course__name")
    autocomplete_fields = ("user",)


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 1


@admin.register(CustomerTrainingSession)
class CustomerTrainingSessionAdmin(CheckedUploadsAdminMixin, admin.ModelAdmin):
    # The materials file is checked by size and content like a case attachment.
    list_display = ("course", "customer", "held_on", "trainer", "location")
    list_filter = ("course",)
    search_fields = ("customer__name", "course__name")
    autocomplete_fields = ("customer",)
    inlines = [AttendeeInline]
