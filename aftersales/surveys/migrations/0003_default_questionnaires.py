"""Ship the default questionnaires: after a resolution, and after a customer visit (走访)."""

from django.db import migrations

QUESTIONNAIRES = [
    (
        "resolution",
        "服务满意度调查",
        True,
        [
            ("overall", "总体满意度", "Overall satisfaction", "score", True, True),
            ("response_speed", "响应速度", "Speed of response", "score", True, False),
            ("attitude", "工程师服务态度", "Engineer's attitude", "score", True, False),
            ("skill", "工程师专业技能", "Engineer's professional skill", "score", True, False),
            ("comment", "意见和建议", "Comments and suggestions", "text", False, False),
        ],
    ),
    (
        "visit",
        "客户走访意见",
        False,
        [
            ("service", "对我方服务的评价", "Opinion of our service", "score", True, True),
            ("product", "对产品质量的评价", "Opinion of the product", "score", True, False),
            ("needs", "新的需求或问题", "New needs or problems", "text", False, False),
            ("suggestions", "意见和建议", "Suggestions", "text", False, False),
        ],
    ),
]


def forward(apps, schema_editor):
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Question = apps.get_model("surveys", "Question")
    for code, name, is_default, questions in QUESTIONNAIRES:
        questionnaire, created = Questionnaire.objects.get_or_create(
            code=code, defaults={"name": name, "is_default": is_default}
        )
        if created:
            Question.objects.bulk_create(
                [
                    Question(
                        questionnaire=questionnaire,
                        position=i,
                        code=q,
                        text_zh=zh,
                        text_en=en,
                        kind=kind,
                        required=required,
                        is_overall=overall,
                    )
                    for i, (q, zh, en, kind, required, overall) in enumerate(questions)
                ]
            )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_questionnaires_surveys_followups")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
