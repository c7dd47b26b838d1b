"""The schemas of the OpenAPI document, in OpenAPI 3.0 syntax (tracker.api.openapi uses them).

OpenAPI 3.0 is not JSON Schema 2020-12: a value that may be null is `nullable: true` beside
its one `type` (never a type array), and `nullable` next to a bare `$ref` means nothing, so a
nullable object is written out in place. Every schema says what the endpoints really send:
the schemathesis test in tests/api/ checks each response against it.
"""

from __future__ import annotations

from typing import Any

from tracker import vocab
from tracker.fields import FIELDS, Field
from tracker.formats.base import FAMILIES, Family

PARTIAL_DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# Fields of the record that always have a value (the rest: unknown is null).
NEVER_NULL = ("code", "name_vi", "kind", "status", "provinces", "field", "updated_at", "stale",
              "page_url")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _string(nullable_: bool = True, **extra: Any) -> dict[str, Any]:
    out = {"type": "string", **extra}
    return nullable(out) if nullable_ else out


def _record_property(f: Field) -> dict[str, Any]:
    """One field of the record: its one type, and null where unknown is possible."""
    out: dict[str, Any] = {"type": f.type, "description": f.en}
    if f.format == "int64":
        out.update(format="int64", minimum=0)
    elif f.format == "date-time":
        out["format"] = "date-time"
    elif f.format == "partial-date":
        out["pattern"] = PARTIAL_DATE
    if f.name == "code":
        out["pattern"] = CODE_PATTERN
    elif f.name == "status":
        out["enum"] = list(vocab.codes(vocab.STATUSES))
    elif f.name == "kind":
        out["enum"] = list(vocab.codes(vocab.KINDS))
    elif f.name == "field":
        out["enum"] = list(vocab.codes(vocab.COOPERATION_FIELDS))
    elif f.name == "status_as_of_precision":
        out["enum"] = ["day", "month", "year", None]  # 3.0.3: a nullable enum lists null
    elif f.name in ("progress_pct",):
        out.update(minimum=0, maximum=100)
    elif f.name in ("length_km", "stated_length_km", "disbursement_pct"):
        out["minimum"] = 0
    return out if f.name in NEVER_NULL else nullable(out)


def bbox_schema(sizes: tuple[int, ...] = (4,)) -> dict[str, Any]:
    """A WGS 84 box: longitudes and latitudes (each item within ±180; OpenAPI 3.0 cannot
    bound the items by position)."""
    return {"type": "array", "minItems": min(sizes), "maxItems": max(sizes),
            "items": {"type": "number", "minimum": -180, "maximum": 180}}


def geometry_schema(types: tuple[str, ...] = GEOMETRY_TYPES) -> dict[str, Any]:
    """A GeoJSON geometry (RFC 7946), null when the project is not located yet."""
    return nullable({"type": "object", "required": ["type"], "properties": {
        "type": {"type": "string", "enum": list(types)},
        "coordinates": {"type": "array", "items": {}},
        "geometries": {"type": "array", "items": {"type": "object"}}}})


def _feature(properties: dict[str, Any], types: tuple[str, ...],
             located: bool = False) -> dict[str, Any]:
    geometry = geometry_schema(types)
    if located:  # a collection of one geometry family: every feature has a geometry
        geometry = {k: v for k, v in geometry.items() if k != "nullable"}
    return {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "string"},
        "geometry": geometry,
        "properties": properties,
        "links": {"type": "array", "items": ref("Link")}}}


def family_schema(family: Family) -> str:
    """The name of the feature schema of a geometry family's collection."""
    return f"Project{family.key.capitalize()}Feature"


def _feature_collection(feature: str, paged: bool) -> dict[str, Any]:
    props: dict[str, Any] = {"type": {"type": "string", "enum": ["FeatureCollection"]},
                             "features": {"type": "array", "items": ref(feature)}}
    required = ["type", "features"]
    if not paged:  # an export file: its card (tracker.formats.base.FileInfo)
        props["metadata"] = _object(
            ["exported_at", "data_as_of", "licence", "projects", "filter", "crs"],
            title={"type": "string"}, exported_at={"type": "string", "format": "date-time"},
            data_as_of={"type": "string", "format": "date"}, licence={"type": "string"},
            contact={"type": "string"}, projects={"type": "integer", "minimum": 0},
            filter={"type": "string"}, source={"type": "string"}, crs={"type": "string"},
            clipped_to={"type": "string"})
    if paged:
        props.update(numberMatched={"type": "integer", "minimum": 0},
                     numberReturned={"type": "integer", "minimum": 0},
                     timeStamp={"type": "string", "format": "date-time"},
                     links={"type": "array", "items": ref("Link")})
        required += ["numberMatched", "numberReturned", "timeStamp", "links"]
    return {"type": "object", "required": required, "properties": props}


def _object_of(properties: dict[str, Any], required: list[str] | None = None
               ) -> dict[str, Any]:
    """An object with these properties, all of them required unless `required` says."""
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required is None:
        required = list(properties)
    if required:
        out["required"] = required
    return out


def _object(required: list[str] | None = None, **properties: Any) -> dict[str, Any]:
    return _object_of(properties, required)


LINKS = {"type": "array", "items": ref("Link")}
MONEY = nullable({"type": "integer", "format": "int64", "minimum": 0})


def _update() -> dict[str, Any]:
    return _object(
        as_of=_string(False, pattern=PARTIAL_DATE),
        status={"type": "string", "enum": list(vocab.codes(vocab.STATUSES))},
        progress_pct=nullable({"type": "number", "minimum": 0, "maximum": 100}),
        disbursed_vnd=MONEY, note=_string(), note_en=_string(), author=_string(),
        source=_string(),
        recorded_at=_string(format="date-time"))


def _estimate() -> dict[str, Any]:
    return _object(
        key={"type": "string"}, amount_vnd={"type": "integer", "format": "int64", "minimum": 0},
        as_of=_string(pattern=PARTIAL_DATE),
        basis=nullable({"type": "string",
                        "enum": [*vocab.codes(vocab.ESTIMATE_BASES), None]}),
        qualifier={"type": "string", "enum": list(vocab.codes(vocab.QUALIFIERS))},
        original_amount=nullable({"type": "number", "minimum": 0}),
        original_currency=_string(pattern="^[A-Z]{3}$"), note=_string(), note_en=_string(),
        source=_string())


def _component() -> dict[str, Any]:
    qualifier = nullable({"type": "string", "enum": [*vocab.codes(vocab.QUALIFIERS), None]})
    return _object(
        province=nullable({"type": "string", "enum": [*vocab.codes(vocab.PROVINCES), None]}),
        name_vi=_string(), name_en=_string(), governing_body=_string(),
        stated_length_km=nullable({"type": "number", "minimum": 0}),
        stated_length_decimals=nullable({"type": "integer", "minimum": 0}),
        length_qualifier=qualifier, amount_vnd=MONEY, amount_qualifier=qualifier,
        note=_string(), note_en=_string(), source=_string())


def _group(label: str | None = None) -> dict[str, Any]:
    """A summary group: count, km and the sums over the known amounts (null if none)."""
    props: dict[str, Any] = {}
    if label:
        props.update({label: {"type": "string"}, "label_vi": {"type": "string"},
                      "label_en": {"type": "string"}})
    props.update(count={"type": "integer", "minimum": 0},
                 km={"type": "number", "minimum": 0}, investment_vnd=MONEY,
                 disbursed_vnd=MONEY, with_investment={"type": "integer", "minimum": 0},
                 with_disbursed={"type": "integer", "minimum": 0},
                 investment_qualifier=nullable({"type": "string", "enum": [
                     *vocab.codes(vocab.QUALIFIERS), None]}),
                 km_stated={"type": "integer", "minimum": 0},
                 km_measured={"type": "integer", "minimum": 0},
                 km_measured_approximate={"type": "integer", "minimum": 0},
                 corridor_shared={"type": "integer", "minimum": 0},
                 counted_whole={"type": "integer", "minimum": 0})
    return _object(**props)


def _by_role() -> dict[str, Any]:
    schema = _group("programme_role")
    schema["properties"]["by_status"] = {"type": "array", "items": _group("status")}
    schema["properties"]["by_kind"] = {"type": "array", "items": _group("kind")}
    schema["required"] = [*schema.get("required", []), "by_status", "by_kind"]
    return schema


def _collection() -> dict[str, Any]:
    interval = {"type": "array", "minItems": 2, "maxItems": 2,
                "items": _string(format="date-time")}
    extent = _object([], spatial=_object(["bbox"], bbox={
        "type": "array", "minItems": 1, "items": bbox_schema((4, 6))},
        crs={"type": "string"}), temporal=_object(["interval"], interval={
            "type": "array", "minItems": 1, "items": interval}, trs={"type": "string"}))
    return _object(["id", "links"], id={"type": "string"}, title={"type": "string"},
                   description={"type": "string"}, extent=extent,
                   itemType={"type": "string"},
                   crs={"type": "array", "items": {"type": "string"}}, links=LINKS)


BOUNDARY_PROPERTIES = _object(
    code={"type": "string"}, name_vi={"type": "string"}, name_en=_string(),
    iso_3166_2=_string(), valid_until=_string(format="date"), merged_into_vi=_string(),
    merged_into_en=_string(), geometry_accuracy=_string(), source=_string())


def schemas() -> dict[str, Any]:
    """components/schemas of the document."""
    project = _object_of({f.name: _record_property(f) for f in FIELDS})
    return {
        "Link": _object(["href"], href={"type": "string"}, rel={"type": "string"},
                        type={"type": "string"}, title={"type": "string"}),
        "Error": _object(["error", "detail"], error={"type": "string"}, detail=_string(),
                         parameter={"type": "string", "description":
                                    "The parameter that was wrong."}),
        "Project": project,
        "ProjectListItem": {"allOf": [ref("Project"), _object(
            bbox=nullable(bbox_schema()), url={"type": "string"})]},
        "ProjectList": _object(items={"type": "array", "items": ref("ProjectListItem")},
                               total={"type": "integer", "minimum": 0},
                               limit={"type": "integer", "minimum": 1},
                               offset={"type": "integer", "minimum": 0}, links=LINKS),
        "ProjectDetail": {"allOf": [ref("Project"), _object(
            description_vi=_string(), description_en=_string(),
            bbox=nullable(bbox_schema()), geometry=geometry_schema(),
            funding={"type": "array", "items": _object(
                source_type={"type": "string"}, province=_string(), amount_vnd=MONEY,
                budget_year=nullable({"type": "integer"}), note=_string(), note_en=_string(),
                source=_string())},
            latest_update=nullable(_update()),
            sources={"type": "array", "items": _object(
                key={"type": "string"}, title=_string(), publisher={"type": "string"},
                published_on=_string(format="date"), url=_string(), locator=_string(),
                supports=_string())},
            links=LINKS)]},
        "Update": _update(),
        "UpdateList": _object(project={"type": "string"},
                              items={"type": "array", "items": ref("Update")},
                              total={"type": "integer", "minimum": 0}, links=LINKS),
        "Estimate": _estimate(),
        "EstimateList": _object(project={"type": "string"},
                                items={"type": "array", "items": ref("Estimate")},
                                total={"type": "integer", "minimum": 0}, links=LINKS),
        "Component": _component(),
        "ComponentList": _object(project={"type": "string"},
                                 items={"type": "array", "items": ref("Component")},
                                 total={"type": "integer", "minimum": 0}, links=LINKS),
        "Summary": _object(
            as_of={"type": "string", "format": "date"},
            filter={"type": "object", "additionalProperties": {"type": "string"}},
            total=nullable(_group()),
            by_role={"type": "array", "items": _by_role()},
            by_status=nullable({"type": "array", "items": _group("status"),
                                "description": "Both roles added together: null unless "
                                "asked (programme_role=all) or one role is selected."}),
            by_kind=nullable({"type": "array", "items": _group("kind"),
                              "description": "As by_status."}),
            late={"type": "array", "items": _object(
                code={"type": "string"}, name_vi={"type": "string"}, name_en=_string(),
                planned_end=_string(pattern=PARTIAL_DATE),
                days_late={"type": "integer"},
                status_as_of=_string(pattern=PARTIAL_DATE),
                late_confirmed={"type": "boolean", "description": "false: the status behind "
                                "the lateness is dated before the planned end (overdue — "
                                "unconfirmed)"})},
            late_confirmed={"type": "integer", "minimum": 0},
            late_unconfirmed={"type": "integer", "minimum": 0},
            stale={"type": "integer", "minimum": 0,
                   "description": "Projects whose status needs an update (stale)"},
            stale_days={"type": "integer", "minimum": 1},
            without_geometry={"type": "integer", "minimum": 0}, links=LINKS),
        "Oc4idsPackage": _object(
            ["version", "projects"], uri={"type": "string"},
            publishedDate={"type": "string", "format": "date-time"},
            publisher={"type": "object"}, version={"type": "string"},
            projects={"type": "array", "items": _object(["id"], id={"type": "string"})}),
        "OpenApiDocument": _object(["openapi", "info", "paths"],
                                   openapi={"type": "string"}, info={"type": "object"},
                                   paths={"type": "object"}),
        "JsonSchema": _object(["type", "properties"], type={"type": "string"},
                              properties={"type": "object"}),
        "LandingPage": _object(["links"], title={"type": "string"},
                               description={"type": "string"}, links=LINKS),
        "Conformance": _object(["conformsTo"], conformsTo={
            "type": "array", "items": {"type": "string"}}, links=LINKS),
        "Collection": _collection(),
        "Collections": _object(["links", "collections"], links=LINKS, collections={
            "type": "array", "items": ref("Collection")}),
        "ProjectFeature": _feature(ref("Project"), GEOMETRY_TYPES),
        "ProjectFeatureCollection": _feature_collection("ProjectFeature", paged=False),
        "ProjectFeaturePage": _feature_collection("ProjectFeature", paged=True),
        **{name: schema for family in FAMILIES for name, schema in (
            (family_schema(family), _feature(ref("Project"), family.types, located=True)),
            (f"{family_schema(family)}Page",
             _feature_collection(family_schema(family), paged=True)))},
        "BoundaryFeature": _feature(BOUNDARY_PROPERTIES, ("Polygon", "MultiPolygon")),
        "BoundaryFeaturePage": _feature_collection("BoundaryFeature", paged=True),
    }
