from django.contrib import admin

from aftersales.surveys.models import (
    Answer,
    Campaign,
    FollowUp,
    FollowUpCall,
    Question,
    Questionnaire,
    Rating,
    Survey,
)


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("case", "score", "rated_by", "created_at")
    list_filter = ("score",)
    search_fields = ("=case__number", "comment")
    list_select_related = ("case", "rated_by")
    readonly_fields = ("case", "score", "comment", "rated_by", "created_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_default", "is_active")
    inlines = [QuestionInline]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    readonly_fields = ("question", "score", "text")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("customer", "case", "campaign", "status", "overall", "sent_at", "answered_at")
    list_filter = ("status", "campaign")
    search_fields = ("=case__number", "customer__name")
    readonly_fields = ("token",)
    inlines = [AnswerInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "product_line", "created_at")


class FollowUpCallInline(admin.TabularInline):
    model = FollowUpCall
    extra = 0


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("survey", "assigned_to", "created_at", "closed_at")
    inlines = [FollowUpCallInline]
