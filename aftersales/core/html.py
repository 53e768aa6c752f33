"""The one sanitiser for HTML that comes from outside (e-mail bodies): nh3's allow-list.

Everything else users write is plain text, escaped by the templates when it is shown; this is
for the few places that keep HTML at all. No scripts, styles, frames, forms or event handlers;
links only to http, https and mailto, and never followed with our referrer.
"""

from __future__ import annotations

import nh3

URL_SCHEMES = frozenset({"http", "https", "mailto"})


def clean_html(source: str) -> str:
    """Return ``source`` with only harmless tags, attributes and link schemes left."""
    return nh3.clean(
        source or "",
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
