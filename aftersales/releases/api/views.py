"""Software releases under /api/v1/releases/."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.releases import selectors, services
from aftersales.releases.api.serializers import (
    NoticeSerializer,
    PublishInputSerializer,
    ReleaseSerializer,
)


class ReleasesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReleaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Releases: all for staff; customers see the published ones of their products."""
        rows = selectors.releases_visible_to(user=request.user)[:500]
        return Response(ReleaseSerializer(rows, many=True).data)

    @extend_schema(request=ReleaseSerializer, responses={201: ReleaseSerializer})
    def post(self, request: Request) -> Response:
        """Record a release (supervisors and administrators); publish it separately."""
        data = ReleaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        release = services.release_create(by=request.user, **data.validated_data)
        return Response(ReleaseSerializer(release).data, status=status.HTTP_201_CREATED)


def _release(request: Request, pk: int):  # type: ignore[no-untyped-def]
    release = selectors.releases_visible_to(user=request.user).filter(pk=pk).first()
    if release is None:
        raise Http404
    return release


class PublishView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PublishInputSerializer, responses=NoticeSerializer(many=True))
    def post(self, request: Request, pk: int) -> Response:
        """Publish: notify the contacts of every customer entitled to the upgrade."""
        release = _release(request, pk)
        data = PublishInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notices = services.release_publish(release=release, by=request.user, **data.validated_data)
        return Response(NoticeSerializer(notices, many=True).data)


class NoticesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NoticeSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        """Who was told about the release (staff)."""
        from aftersales.core.errors import NotAllowed

        if not getattr(request.user, "is_service_staff", False):
            raise NotAllowed("")
        release = _release(request, pk)
        rows = release.notices.select_related("customer", "contact", "case")
        return Response(NoticeSerializer(rows, many=True).data)
