from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.accounts import selectors, services
from aftersales.accounts.api.serializers import MeSerializer, UserSerializer, UserUpdateSerializer
from aftersales.accounts.permissions import Capability, RoleWritePermission
from aftersales.core.api import ServiceViewSet


class UserViewSet(ServiceViewSet):
    """Users. Administrators list, create and change them; everybody reads and sets ``me``."""

    serializer_class = UserSerializer
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]+"
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_USERS
    selector = staticmethod(selectors.user_list)
    create_service = staticmethod(services.user_create)
    update_service = staticmethod(services.user_update)
    update_kwarg = "user"
    cursor_ordering = "username"

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        if self.action == "me":
            return MeSerializer
        if self.action == "partial_update":
            return UserUpdateSerializer
        return UserSerializer

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "me":
            # Everybody may read and set their own preferences.
            from rest_framework.permissions import IsAuthenticated

            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    @action(detail=False, methods=["get", "patch"])
    def me(self, request: Request) -> Response:
        """Return the signed-in user; PATCH sets their own language and time zone."""
        user = request.user
        if request.method == "PATCH":
            serializer = MeSerializer(
                user, data=request.data, partial=True, context={"request": request}
            )
            serializer.is_valid(raise_exception=True)
            user = services.user_set_preferences(
                user=user,  # type: ignore[arg-type]
                language=serializer.validated_data.get("language"),
                timezone=serializer.validated_data.get("timezone"),
            )
        return Response(MeSerializer(user, context={"request": request}).data)
