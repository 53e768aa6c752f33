"""Output shapes of the e-mail intake API (no credentials, ever)."""

from __future__ import annotations

from rest_framework import serializers

from aftersales.mailin.models import InboundMessage, Mailbox


class MailboxStatusSerializer(serializers.ModelSerializer):
    """A mailbox and its health; neither the user name nor the password is shown."""

    quarantined = serializers.IntegerField(source="quarantined_count", read_only=True)
    # Of those, the messages over the size limit (not downloaded; an administrator releases).
    too_large = serializers.IntegerField(source="too_large_count", read_only=True)
    # The effective limit: the mailbox's own, else MAILIN_MAX_MESSAGE_BYTES.
    max_message_bytes = serializers.IntegerField(source="message_size_limit", read_only=True)

    class Meta:
        model = Mailbox
        fields = [
            "id",
            "name",
            "is_active",
            "address",
            "host",
            "port",
            "security",
            "folder",
            "unknown_senders",
            "last_fetch_at",
            "last_success_at",
            "failure_count",
            "last_error",
            "alerted_at",
            "quarantined",
            "too_large",
            "max_message_bytes",
        ]
        read_only_fields = fields


class InboundMessageSerializer(serializers.ModelSerializer):
    """A message in the intake ledger and what became of it."""

    mailbox = serializers.SlugRelatedField(slug_field="name", read_only=True)
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)
    # Plain strings in the schema (codes of InboundStatus, InboundAction, InboundReason): the
    # generic names "status" and "action" are taken by other apps' enums.
    status = serializers.CharField(read_only=True)
    action = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "mailbox",
            "message_id",
            "sender",
            "sender_name",
            "subject",
            "sent_at",
            "received_at",
            "size",
            "status",
            "action",
            "reason",
            "error",
            "notes",
            "case",
            "comment",
            "attempts",
            "next_attempt_at",
            "handled_at",
        ]
        read_only_fields = fields


class InboundRetrySerializer(serializers.Serializer):
    """Input of the retry action: ``release`` lifts the size limit and decodes leniently."""

    release = serializers.BooleanField(default=False)
