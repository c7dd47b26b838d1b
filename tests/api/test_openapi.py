"""The OpenAPI document is valid OpenAPI 3.0.3 (openapi-spec-validator, offline) and real
answers of the app validate against it with openapi-core, the client that crashed on the
3.1-style type arrays it used to carry."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from openapi_spec_validator import OpenAPIV30SpecValidator
from werkzeug.wrappers import Response

from tracker.api.openapi import OPENAPI_VERSION

OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"


@pytest.fixture
def api(seeded_app):
    return seeded_app.test_client()


def _document(client, path: str = "/api/v1/openapi.json") -> dict[str, Any]:
    r = client.get(path)
    assert r.status_code == 200
    assert r.content_type == "application/vnd.oai.openapi+json;version=3.0"
    doc: dict[str, Any] = json.loads(r.data)
    return doc


def _walk(node: Any, where: str = "#"):
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}/{i}")


def test_the_document_is_valid_openapi_3_0_3(client):
    doc = _document(client)
    assert doc["openapi"] == OPENAPI_VERSION == "3.0.3"
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
              for e in OpenAPIV30SpecValidator(doc).iter_errors()]
    assert errors == []


def test_the_ogc_service_description_is_that_valid_document(client):
    """The OGC landing page declares oas30 and links (service-desc) to the document; the
    English document is the same valid one."""
    landing = client.get("/ogc?f=json").get_json()
    assert OAS30 in client.get("/ogc/conformance?f=json").get_json()["conformsTo"]
    links = [link for link in landing["links"] if link["rel"] == "service-desc"]
    assert [link["type"] for link in links] == ["application/vnd.oai.openapi+json;version=3.0"]
    doc = _document(client, links[0]["href"].removeprefix("http://localhost"))
    assert list(OpenAPIV30SpecValidator(doc).iter_errors()) == []
    assert _document(client, "/api/v1/openapi.json?lang=en") == doc


def test_no_openapi_3_1_syntax(client):
    """OpenAPI 3.0 has one type per schema (null is `nullable: true`), and `nullable` beside a
    bare $ref is ignored, so neither may appear."""
    for where, node in _walk(_document(client)):
        assert not isinstance(node.get("type"), list), where
        assert not ("$ref" in node and len(node) > 1), where
        if node.get("nullable"):
            assert "type" in node, where


def test_exports_html_and_errors_are_documented_with_their_media_types(client):
    paths = _document(client)["paths"]
    media = {path: {code: set(r.get("content", {})) for code, r in item["get"]["responses"]
                    .items()} for path, item in paths.items() if "get" in item}
    assert media["/api/v1/projects.geojson"]["200"] == {"application/geo+json"}
    geojson = paths["/api/v1/projects.geojson"]["get"]["responses"]["200"]["content"]
    assert geojson["application/geo+json"]["schema"] == {
        "$ref": "#/components/schemas/ProjectFeatureCollection"}
    assert media["/api/v1/projects.csv"]["200"] == {"text/csv"}
    assert media["/api/v1/projects.kml"]["200"] == {"application/vnd.google-earth.kml+xml"}
    assert media["/api/v1/projects.gpkg"]["200"] == {"application/geopackage+sqlite3"}
    assert media["/api/v1/projects.shp.zip"]["200"] == {"application/zip"}
    assert media["/api/v1/projects.xlsx"]["200"] == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    for path in ("/ogc", "/ogc/collections", "/ogc/collections/projects/items",
                 "/ogc/collections/boundaries/items/{featureId}"):
        assert "text/html" in media[path]["200"], path
    for path, codes in media.items():
        assert codes["400"] == {"application/json"}, path
        assert codes["304"] == set(), path
        if "{" in path:
            assert codes["404"] == {"application/json"}, path
    error = _document(client)["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "detail"]


def test_each_collection_documents_only_the_parameters_it_accepts(api):
    doc = _document(api)
    params = doc["components"]["parameters"]

    def names(path: str) -> set[str]:
        return {params[p["$ref"].rsplit("/", 1)[1]]["name"]
                for p in doc["paths"][path]["get"]["parameters"]}

    boundaries = names("/ogc/collections/boundaries/items")
    projects = names("/ogc/collections/projects/items")
    assert {"status", "kind", "province", "owner", "q"} <= projects - boundaries
    for name in projects - boundaries:  # what the projects take, the boundaries refuse
        r = api.get("/ogc/collections/boundaries/items", query_string={name: "road"})
        assert r.status_code == 400 and r.get_json()["parameter"] == name
    bbox = next(params[p["$ref"].rsplit("/", 1)[1]] for p in
                doc["paths"]["/ogc/collections/boundaries/items"]["get"]["parameters"]
                if p["$ref"].endswith("/bbox"))["schema"]
    assert (bbox["minItems"], bbox["maxItems"]) == (4, 6)
    assert (bbox["items"]["minimum"], bbox["items"]["maximum"]) == (-180, 180)


# --------------------------------------------------------------------------- openapi-core

REAL_ANSWERS = [
    "/api/v1/projects", "/api/v1/projects?limit=3&offset=2&kind=road,bridge",
    "/api/v1/projects?bbox=105.7,10.0,105.8,10.1&lang=en", "/api/v1/projects/ql61c-phase2",
    "/api/v1/projects/vam-xang-bridge", "/api/v1/projects/ql61c-phase2/updates",
    "/api/v1/summary", "/api/v1/summary?status=completed", "/api/v1/oc4ids.json",
    "/api/v1/projects.geojson", "/api/v1/openapi.json", "/api/v1/",
    "/ogc", "/ogc?f=html", "/ogc/conformance", "/ogc/collections",
    "/ogc/collections/projects", "/ogc/collections/boundaries?f=html",
    "/ogc/collections/projects/schema", "/ogc/collections/projects/items?limit=2",
    "/ogc/collections/projects/items?f=html", "/ogc/collections/boundaries/items",
    "/ogc/collections/projects/items/vam-xang-bridge",
    "/ogc/collections/boundaries/items/hau-giang",
    # the errors
    "/api/v1/projects?limit=0", "/api/v1/projects?colour=red", "/api/v1/projects/no-such",
    "/api/v1/projects.csv?crs=EPSG:3405", "/ogc/collections/projects/items/no-such",
    "/ogc/collections/boundaries/items?status=completed",
]


@pytest.fixture
def spec(api):
    """openapi-core reads application/json only; the +json types are JSON too."""
    json_types = ("application/geo+json", "application/schema+json",
                  "application/vnd.oai.openapi+json")
    config = Config(extra_media_type_deserializers=dict.fromkeys(json_types, json.loads))
    return OpenAPI.from_dict(_document(api), config=config)


def _validate(spec: OpenAPI, response: Any) -> None:
    spec.validate_response(WerkzeugOpenAPIRequest(response.request),
                           WerkzeugOpenAPIResponse(response))


@pytest.mark.parametrize("url", REAL_ANSWERS)
def test_openapi_core_validates_real_answers(api, spec, url):
    response = api.get(url)
    assert response.status_code in (200, 400, 404), url
    _validate(spec, response)


def test_openapi_core_validates_the_project_listing_page_by_page(api, spec):
    """The response the issue saw openapi-core crash on, every page of it."""
    offset, seen = 0, 0
    while True:
        response = api.get(f"/api/v1/projects?limit=4&offset={offset}")
        _validate(spec, response)
        page = response.get_json()
        seen += len(page["items"])
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 4
    assert seen == page["total"] > 4


def _tampered(response: Any, change) -> Response:
    body = orjson.loads(response.data)
    change(body)
    out = Response(orjson.dumps(body), status=response.status_code,
                   headers={"ETag": response.headers["ETag"]},
                   content_type=response.content_type)
    out.request = response.request  # type: ignore[attr-defined]
    return out


@pytest.mark.parametrize("change", [
    lambda d: d["items"][0].update(status="finished"),
    lambda d: d["items"][0].update(total_investment_vnd="a lot"),
    lambda d: d["items"][0].update(name_vi=None),
    lambda d: d["items"][0].update(bbox=[105.0, 9.0]),
    lambda d: d["items"][0].pop("code"),
    lambda d: d.pop("total"),
])
def test_openapi_core_refuses_an_answer_the_document_does_not_describe(api, spec, change):
    response = api.get("/api/v1/projects")
    _validate(spec, response)
    with pytest.raises(OpenAPIError):
        _validate(spec, _tampered(response, change))


def test_nullable_fields_accept_null_and_their_type_only(api, spec):
    response = api.get("/api/v1/projects/ql61c-phase2")
    _validate(spec, _tampered(response, lambda d: d.update(disbursed_vnd=None,
                                                           geometry=None, bbox=None)))
    with pytest.raises(OpenAPIError):
        _validate(spec, _tampered(response, lambda d: d.update(disbursed_vnd=1.5)))
