"""Field service under /api/v1/: dispatch candidates, dispatch, visits and their steps."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.models import Case
from aftersales.cases.selectors import case_list_visible_to
from aftersales.core import clock
from aftersales.core.errors import NotAllowed, ValidationFailed
from aftersales.customers.models import Region
from aftersales.dispatch import selectors, services
from aftersales.dispatch.api.serializers import (
    AcceptanceInputSerializer,
    AcceptanceResultSerializer,
    CancelInputSerializer,
    CandidateSerializer,
    ChecklistItemSerializer,
    DepartInputSerializer,
    DispatchInputSerializer,
    FeedbackInputSerializer,
    LoanInputSerializer,
    LoanReturnInputSerializer,
    LoanSerializer,
    OnCallQuerySerializer,
    OnCallShiftSerializer,
    StepInputSerializer,
    SwapInputSerializer,
    TickInputSerializer,
    VisitSerializer,
)
from aftersales.dispatch.models import Visit


def _case(request: Request, number: str) -> Case:
    case = (
        case_list_visible_to(user=request.user)
        .select_related("customer", "site", "asset__product")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404
    return case


def _staff(request: Request) -> None:
    if not has_capability(request.user, Capability.WORK_CASES):
        raise NotAllowed(_no_access())


def _no_access() -> str:
    from django.utils.translation import gettext as _

    return _("You may not work on cases.")


class CandidatesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CandidateSerializer(many=True))
    def get(self, request: Request, number: str) -> Response:
        """Engineers for the case, best first, with the reasons and the ETA."""
        _staff(request)
        case = _case(request, number)
        ranked = selectors.dispatch_candidates(case=case, now=clock.now())
        return Response([c.as_dict() for c in ranked])


class DispatchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DispatchInputSerializer, responses={201: VisitSerializer})
    def post(self, request: Request, number: str) -> Response:
        """Send an engineer: assign, move to dispatched, plan the visit at the ETA."""
        _staff(request)
        case = _case(request, number)
        data = DispatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.case_dispatch(case=case, by=request.user, **data.validated_data)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class CaseVisitsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=VisitSerializer(many=True))
    def get(self, request: Request, number: str) -> Response:
        """The case's visits and remote sessions (customers see them too)."""
        case = _case(request, number)
        return Response(VisitSerializer(selectors.case_visits(case=case), many=True).data)


class VisitStepView(APIView):
    """One step of a visit: ``travel``, ``arrive``, ``depart`` or ``cancel``."""

    permission_classes = [IsAuthenticated]
    step = "arrive"

    def _visit(self, request: Request, pk: int) -> Visit:
        visit = (
            Visit.objects.filter(pk=pk, case__in=case_list_visible_to(user=request.user))
            .select_related("case")
            .first()
        )
        if visit is None:
            raise Http404
        return visit

    @extend_schema(request=DepartInputSerializer, responses=VisitSerializer)
    def post(self, request: Request, pk: int) -> Response:
        _staff(request)
        visit = self._visit(request, pk)
        if self.step == "depart":
            data = DepartInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            visit = services.visit_depart(
                visit=visit,
                by=request.user,
                work_performed=data.validated_data["work_performed"],
                parts=[dict(p) for p in data.validated_data.get("parts", [])],
                at=data.validated_data.get("at"),
            )
        elif self.step == "cancel":
            data = CancelInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            visit = services.visit_cancel(
                visit=visit, by=request.user, reason=data.validated_data["reason"]
            )
        else:
            data = StepInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            step = services.visit_start_travel if self.step == "travel" else services.visit_arrive
            visit = step(visit=visit, by=request.user, at=data.validated_data.get("at"))
        visit = selectors.case_visits(case=visit.case).get(pk=visit.pk)
        return Response(VisitSerializer(visit).data)


class OnCallView(APIView):
    """Who is on call at a time (default now), for one region or all."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OnCallQuerySerializer], responses=OnCallShiftSerializer(many=True))
    def get(self, request: Request) -> Response:
        _staff_view(request)
        query = OnCallQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = None
        if query.validated_data.get("region"):
            region = Region.objects.filter(code=query.validated_data["region"]).first()
            if region is None:
                raise ValidationFailed(_unknown_region(), field="region")
        at = query.validated_data.get("at") or clock.now()
        shifts = selectors.on_call_at(at=at, region=region)
        return Response(OnCallShiftSerializer(shifts, many=True).data)


class SwapView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=SwapInputSerializer, responses=OnCallShiftSerializer)
    def post(self, request: Request, pk: int) -> Response:
        """Hand the shift to someone else (a supervisor, or the person on it)."""
        from aftersales.notifications.models import OnCallShift

        _staff_view(request)
        shift = OnCallShift.objects.filter(pk=pk).first()
        if shift is None:
            raise Http404
        data = SwapInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.shift_swap(shift=shift, by=request.user, **data.validated_data)
        shift.refresh_from_db()
        return Response(OnCallShiftSerializer(shift).data)


def _staff_view(request: Request) -> None:
    if not getattr(request.user, "is_service_staff", False):
        raise NotAllowed(_no_access())


def _unknown_region() -> str:
    from django.utils.translation import gettext as _

    return _("Unknown region.")


class ChecklistView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ChecklistItemSerializer(many=True))
    def get(self, request: Request, number: str) -> Response:
        """The case's checklist (planned work, installation)."""
        case = _case(request, number)
        return Response(
            ChecklistItemSerializer(selectors.case_checklist(case=case), many=True).data
        )


class ChecklistTickView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=TickInputSerializer, responses=ChecklistItemSerializer)
    def post(self, request: Request, number: str, pk: int) -> Response:
        _staff(request)
        case = _case(request, number)
        item = selectors.case_checklist(case=case).filter(pk=pk).first()
        if item is None:
            raise Http404
        data = TickInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.checklist_tick(item=item, by=request.user, **data.validated_data)
        return Response(ChecklistItemSerializer(item).data)


class AcceptanceView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AcceptanceInputSerializer, responses=AcceptanceResultSerializer)
    def post(self, request: Request, number: str) -> Response:
        """Record the final acceptance of the unit installed under an installation case."""
        _staff(request)
        case = _case(request, number)
        data = AcceptanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        asset = services.installation_accept(case=case, by=request.user, **data.validated_data)
        return Response(
            {"asset": asset.serial_number, "final_acceptance_date": asset.final_acceptance_date}
        )


class CaseLoansView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=LoanSerializer(many=True))
    def get(self, request: Request, number: str) -> Response:
        case = _case(request, number)
        return Response(LoanSerializer(selectors.case_loans(case=case), many=True).data)

    @extend_schema(request=LoanInputSerializer, responses={201: LoanSerializer})
    def post(self, request: Request, number: str) -> Response:
        """Lend a backup unit against the case."""
        from aftersales.dispatch.models import BackupUnit

        _staff(request)
        case = _case(request, number)
        data = LoanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = BackupUnit.objects.filter(serial_number=data.validated_data["unit"]).first()
        if unit is None:
            raise ValidationFailed(_unknown_unit(), field="unit")
        loan = services.loan_issue(
            case=case, unit=unit, by=request.user, due_back=data.validated_data["due_back"]
        )
        return Response(LoanSerializer(loan).data, status=status.HTTP_201_CREATED)


class LoanReturnView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=LoanReturnInputSerializer, responses=LoanSerializer)
    def post(self, request: Request, pk: int) -> Response:
        from aftersales.dispatch.models import Loan

        _staff(request)
        loan = Loan.objects.filter(pk=pk).first()
        if loan is None:
            raise Http404
        data = LoanReturnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        loan = services.loan_return(loan=loan, by=request.user, **data.validated_data)
        return Response(LoanSerializer(loan).data)


class FeedbackView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=FeedbackInputSerializer, responses=VisitSerializer)
    def post(self, request: Request, pk: int) -> Response:
        """The customer's feedback on a finished visit (the contact, or staff for them)."""
        visit = (
            Visit.objects.filter(pk=pk, case__in=case_list_visible_to(user=request.user))
            .select_related("case")
            .first()
        )
        if visit is None:
            raise Http404
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_feedback(
            visit=visit,
            by=request.user,
            text=data.validated_data.get("text", ""),
            score=data.validated_data.get("score"),
        )
        return Response(VisitSerializer(selectors.case_visits(case=visit.case).get(pk=pk)).data)


def _unknown_unit() -> str:
    from django.utils.translation import gettext as _

    return _("No backup unit with this serial number.")
