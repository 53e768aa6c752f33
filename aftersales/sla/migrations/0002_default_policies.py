"""Ship the default service-level policies and escalation ladders (DESIGN.md's numbers)."""

from django.db import migrations

CONFIRM = {"C-1": 120, "C-2": 480, "C-3": 1440}  # working minutes on 7x8
LADDER = {"C-1": 120, "C-2": 480, "C-3": 1440}  # second rung, minutes past the due time

POLICIES = [
    # code, name, service level, case type, is_default, order, [(target, severity, minutes, calendar)]
    (
        "fault-7x24",
        "7×24 合同故障报修",
        "7x24",
        "fault",
        False,
        10,
        [
            ("response", "", 120, "24x7"),
            ("onsite", "", 720, "24x7"),
            ("restore", "", 2880, "24x7"),
            ("follow_up", "", 4320, "24x7"),
        ]
        + [("confirm", sev, minutes, "7x8") for sev, minutes in CONFIRM.items()],
    ),
    (
        "fault",
        "故障报修",
        "",
        "fault",
        False,
        50,
        [("response", "", 1440, "24x7"), ("follow_up", "", 4320, "24x7")]
        + [("confirm", sev, minutes, "7x8") for sev, minutes in CONFIRM.items()],
    ),
    (
        "default",
        "默认服务承诺",
        "",
        "",
        True,
        1000,
        [("response", "", 1440, "24x7"), ("follow_up", "", 4320, "24x7")],
    ),
]


def forward(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    EscalationRule = apps.get_model("sla", "EscalationRule")
    BusinessCalendar = apps.get_model("calendars", "BusinessCalendar")
    calendars = {c.code: c for c in BusinessCalendar.objects.all()}
    for code, name, level, case_type, is_default, order, targets in POLICIES:
        policy, created = SlaPolicy.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "service_level": level,
                "case_type": case_type,
                "is_default": is_default,
                "order": order,
            },
        )
        if created:
            SlaTarget.objects.bulk_create(
                [
                    SlaTarget(
                        policy=policy, target=t, severity=sev, minutes=m, calendar=calendars[cal]
                    )
                    for t, sev, m, cal in targets
                ]
            )
    for severity, after in LADDER.items():
        EscalationRule.objects.get_or_create(
            severity=severity,
            target="confirm",
            level=1,
            defaults={"after_minutes": 0, "recipients": ["assignee", "regional_supervisor"]},
        )
        EscalationRule.objects.get_or_create(
            severity=severity,
            target="confirm",
            level=2,
            defaults={
                "after_minutes": after,
                "recipients": ["regional_supervisor", "service_director"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("calendars", "0002_shipped_calendars")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
