"""OpenAPI descriptions for our own authentication classes (drf-spectacular extensions)."""

from drf_spectacular.authentication import SessionScheme, TokenScheme


class LocalizedSessionScheme(SessionScheme):
    target_class = "aftersales.core.authentication.LocalizedSessionAuthentication"


class LocalizedTokenScheme(TokenScheme):
    target_class = "aftersales.core.authentication.LocalizedTokenAuthentication"
