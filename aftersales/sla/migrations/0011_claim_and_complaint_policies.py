"""Ship the service-level policies of warranty claims and complaints, and the remedy ladder.

Warranty claims (DESIGN.md): acknowledged within 24 hours (24x7), the remedy carried out within
72 hours of the supervisor's decision (24x7), the usual follow-up. Complaints: acknowledged within
24 hours, resolved within 5 working days (cn-5x8). A late remedy escalates like a late cause
confirmation: to the assignee and the regional supervisor, then a day later to the director.
"""

from django.db import migrations

POLICIES = [
    (
        "warranty-claim",
        "索赔",
        "warranty_claim",
        20,
        [
            ("response", 1440, "24x7"),
            ("remedy", 4320, "24x7"),
            ("follow_up", 4320, "24x7"),
        ],
    ),
    (
        "complaint",
        "投诉",
        "complaint",
        30,
        [("response", 1440, "24x7"), ("restore", 2400, "cn-5x8")],
    ),
]


def forward(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    EscalationRule = apps.get_model("sla", "EscalationRule")
    BusinessCalendar = apps.get_model("calendars", "BusinessCalendar")
    calendars = {c.code: c for c in BusinessCalendar.objects.all()}
    for code, name, case_type, order, targets in POLICIES:
        policy, created = SlaPolicy.objects.get_or_create(
            code=code,
            defaults={"name": name, "case_type": case_type, "order": order},
        )
        if created:
            SlaTarget.objects.bulk_create(
                [
                    SlaTarget(
                        policy=policy, target=t, severity="", minutes=m, calendar=calendars[c]
                    )
                    for t, m, c in targets
                ]
            )
    for severity in ("C-1", "C-2", "C-3"):
        EscalationRule.objects.get_or_create(
            severity=severity,
            target="remedy",
            level=1,
            defaults={"after_minutes": 0, "recipients": ["assignee", "regional_supervisor"]},
        )
        EscalationRule.objects.get_or_create(
            severity=severity,
            target="remedy",
            level=2,
            defaults={
                "after_minutes": 1440,
                "recipients": ["regional_supervisor", "service_director"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0010_remedy_target"), ("calendars", "0002_shipped_calendars")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
