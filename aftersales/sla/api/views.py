from __future__ import annotations

from aftersales.accounts.permissions import Capability, RoleWritePermission
from aftersales.core.api import ServiceViewSet
from aftersales.sla import configuration, selectors
from aftersales.sla.api.serializers import EscalationRuleSerializer, SlaPolicySerializer


class SlaPolicyViewSet(ServiceViewSet):
    """Service-level policies and their targets (administrators change them)."""

    serializer_class = SlaPolicySerializer
    lookup_field = "code"
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CONFIG
    cursor_ordering = "code"
    create_service = staticmethod(configuration.policy_create)
    update_service = staticmethod(configuration.policy_update)
    update_kwarg = "policy"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if not self.request.user.is_authenticated or self.request.user.is_customer_contact:
            return selectors.policy_list().none()
        return selectors.policy_list()

    def perform_update(self, serializer):  # type: ignore[no-untyped-def]
        policy = configuration.policy_update(
            by=self.request.user, policy=serializer.instance, data=serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=policy.pk)


class EscalationRuleViewSet(ServiceViewSet):
    """Escalation ladders: per severity and target, the rungs and who hears at each."""

    serializer_class = EscalationRuleSerializer
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CONFIG
    lookup_value_regex = r"[0-9]{1,18}"
    cursor_ordering = "id"
    create_service = staticmethod(configuration.escalation_rule_create)
    update_service = staticmethod(configuration.escalation_rule_update)
    update_kwarg = "rule"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if not self.request.user.is_authenticated or self.request.user.is_customer_contact:
            return selectors.escalation_rule_list().none()
        return selectors.escalation_rule_list()
