"""JSON for a page's `<script type="application/json">` data block: the one way stored text
reaches the map's scripts.

orjson encodes; then `<`, `>` and `&` become \\u escapes (no `</script>` or `<!--` can end the
block early) and so does every `{` that would open template syntax (`{{`, `{%`, `{#`), so the
text cannot be read as a template even by an engine that should never see it. Those
sequences occur only inside JSON strings (structural braces are followed by a quote or `}`),
where a \\u escape decodes to the same character: JSON.parse gives back the exact text.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from markupsafe import Markup

_HTML = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
_TEMPLATE_OPENER = re.compile(r"\{(?=[{%#])")


def script_json(value: Any) -> Markup:
    """`value` as JSON text safe inside a script data block (orjson.Fragment allowed)."""
    text = orjson.dumps(value).decode()
    text = _TEMPLATE_OPENER.sub(r"\\u007b", text.translate(_HTML))
    return Markup(text)  # escaped above: Markup only stops a second escaping


def data_block(element_id: str, value: Any) -> Markup:
    """A `<script type="application/json">` element (never executed, so no CSP applies)."""
    return Markup('<script type="application/json" id="{}">').format(element_id) + \
        script_json(value) + Markup("</script>")
