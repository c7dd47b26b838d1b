"""GeoJSON (RFC 7946): WGS 84 lon/lat, at most 7 decimals, numbers as numbers, ISO dates,
`id` = code, no `crs` member. Features are the stored geometry text spliced beside the record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tracker.geo import geojson_text


def encode_feature(record: dict[str, Any], geometry: bytes | None) -> bytes:
    """One GeoJSON Feature as JSON text: the record as properties, the stored RFC 7946
    geometry text (Project.geometry_geojson, UTF-8) spliced in as it is."""
    dumps = orjson.dumps
    return (b'{"type":"Feature","id":' + dumps(record["code"]) + b',"geometry":'
            + (geometry if geometry is not None else b"null") + b',"properties":'
            + dumps(record) + b"}")


def geometry_geojson(geom: Any) -> dict[str, Any] | None:
    text = geojson_text(geom)
    if text is None:
        return None
    result: dict[str, Any] = orjson.loads(text)
    return result


def encode_features(rs: Any) -> list[bytes]:
    """Each project of a RecordSet read with rows.select_records(geojson=True) as the JSON
    text of its GeoJSON Feature: no coordinate is parsed or formatted again."""
    if rs.geojson is None:
        raise ValueError("encode_features needs the stored geometry text (geojson=True)")
    return [encode_feature(r, g) for r, g in zip(rs.records, rs.geojson, strict=True)]


_PAGE_KEY = b'"page_url":"/'


def with_site(encoded: Sequence[bytes], base_url: str) -> list[bytes]:
    """Features whose `page_url` (a path from the site's root in the record, and so in the
    feature cache, which serves every host name alike) is the absolute address on
    `base_url`. The bytes `"page_url":"/` can only be that key: JSON escapes every quote
    inside a string, so no stored text can contain them, and each feature has one."""
    if not base_url:
        return list(encoded)
    site = _PAGE_KEY[:-1] + orjson.dumps(base_url)[1:-1] + b"/"
    return [feature.replace(_PAGE_KEY, site, 1) for feature in encoded]


def collection_bytes(encoded: Sequence[bytes], members: dict[str, Any] | None = None) -> bytes:
    """A FeatureCollection from encoded features; `members` come before "features".
    (One copy of the features' bytes: the collection is joined in a single pass.)"""
    head = orjson.dumps({"type": "FeatureCollection", **(members or {})},
                        option=orjson.OPT_SERIALIZE_NUMPY)[:-1] + b',"features":['
    if not encoded:
        return head + b"]}"
    parts = list(encoded)
    parts[0] = head + parts[0]
    parts[-1] = parts[-1] + b"]}"
    return b",".join(parts)


def dumps(document: Any) -> bytes:
    """JSON bytes for API documents that may hold numpy coordinate arrays or fragments."""
    return orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY)
