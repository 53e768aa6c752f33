"""Team auto-assignment: round robin or least loaded among members on duty, in the timeline."""

from __future__ import annotations

from aftersales.accounts.tests.factories import TeamFactory
from aftersales.cases.services import case_update


def _team(make_user, mode):
    members = [make_user("engineer", username=f"e{i}") for i in range(3)]
    team = TeamFactory(code=f"t-{mode}", name="华东现场组", assignment=mode)
    team.members.set(members)
    return team, members


def test_round_robin_takes_turns_and_skips_members_off_duty(make_case, make_user):
    team, (a, b, c) = _team(make_user, "round_robin")
    b.is_available = False
    b.save()
    assignees = [make_case(team=team).assignee for _ in range(4)]
    assert assignees == [a, c, a, c]
    event = make_case(team=team).events.get(kind="field_changed", field="assignee")
    assert (
        event.note
        == "Assigned automatically by team 华东现场组 (Round robin among members on duty)."
        or "华东现场组" in event.note
    )


def test_least_loaded_picks_the_member_with_fewest_open_cases(make_case, make_user):
    team, (a, b, c) = _team(make_user, "least_loaded")
    make_case(assignee=a)
    make_case(assignee=a)
    make_case(assignee=c)
    assert make_case(team=team).assignee == b
    assert make_case(team=team).assignee == b  # b has 1, c has 1: lowest id wins among equals
    assert make_case(team=team).assignee == c


def test_manual_teams_and_explicit_assignees_are_left_alone(make_case, make_user):
    team, (_a, b, _c) = _team(make_user, "manual")
    assert make_case(team=team).assignee is None
    team.assignment = "round_robin"
    team.save()
    assert make_case(team=team, assignee=b).assignee == b


def test_moving_a_case_to_a_team_assigns_it(make_case, make_user, agent):
    team, (a, _b, _c) = _team(make_user, "round_robin")
    case = make_case()
    case = case_update(case=case, by=agent, changes={"team": team})
    assert case.assignee == a
