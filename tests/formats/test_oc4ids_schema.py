"""The OC4IDS package validated by the standard's own schema, offline: jsonschema (draft 4,
as the schema declares) against OC4IDS 0.9.5 as published (../shared/standards/, the package
schema referring to the project schema by file name) with 0 errors, and a walk of the
document against the schema's `properties` with 0 unknown fields (what libcoveoc4ids reports
as "additional fields": the schema allows them, so jsonschema alone cannot see them), and
every closed codelist and the gazetteer scheme from their CSV files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import SHARED_DATA

STANDARD = SHARED_DATA.parent / "standards" / "oc4ids-0.9.5"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((STANDARD / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    if not STANDARD.is_dir():
        pytest.fail(f"the OC4IDS 0.9.5 schema is not at {STANDARD}")
    return _load("project-package-schema.json"), _load("project-schema.json")


def validator(package_schema: dict[str, Any], project_schema: dict[str, Any]) -> Any:
    """Draft 4 with formats checked; `project-schema.json` (the package's $ref) resolves to
    the local copy, so nothing is fetched."""
    resource = Resource.from_contents(project_schema, default_specification=DRAFT4)
    base = package_schema["id"].rsplit("/", 1)[0]
    registry = Registry().with_resources([
        (f"{base}/project-schema.json", resource), ("project-schema.json", resource),
        (project_schema["id"], resource)])
    return Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())


def resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any] | None:
    """The node a local $ref names; None for a reference to another file (the package's
    projects: walked against the project schema separately)."""
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/definitions/"):
            return None
        node = root["definitions"][ref.rsplit("/", 1)[-1]]
    return node


def unknown_fields(value: Any, node: dict[str, Any], root: dict[str, Any],
                   path: str = "$") -> list[str]:
    """Paths of keys the schema does not name (against `properties`, through `$ref`s and
    `items`), as libcoveoc4ids' additional-fields check lists them."""
    resolved = resolve(node, root)
    if resolved is None:
        return []
    node = resolved
    found: list[str] = []
    if isinstance(value, dict):
        props = node.get("properties", {})
        for key, item in value.items():
            if key not in props:
                found.append(f"{path}.{key}")
            else:
                found += unknown_fields(item, props[key], root, f"{path}.{key}")
    elif isinstance(value, list) and "items" in node:
        for i, item in enumerate(value):
            found += unknown_fields(item, node["items"], root, f"{path}[{i}]")
    return found


def codelist(name: str) -> set[str]:
    with open(STANDARD / "codelists" / name, encoding="utf-8") as f:
        return {row["Code"] for row in csv.DictReader(f)}


def codelist_values(value: Any, node: dict[str, Any], root: dict[str, Any], path: str = "$"
                    ) -> list[tuple[str, str, Any]]:
    """(path, codelist file, value) of every value the schema ties to a codelist."""
    resolved = resolve(node, root)
    if resolved is None:
        return []
    node = resolved
    out: list[tuple[str, str, Any]] = []
    if "codelist" in node:
        for v in value if isinstance(value, list) else [value]:
            out.append((path, node["codelist"], v))
    if isinstance(value, dict):
        for key, item in value.items():
            if key in node.get("properties", {}):
                out += codelist_values(item, node["properties"][key], root, f"{path}.{key}")
    elif isinstance(value, list) and "items" in node and "codelist" not in node:
        for i, item in enumerate(value):
            out += codelist_values(item, node["items"], root, f"{path}[{i}]")
    return out


@pytest.fixture
def package(seeded_app) -> dict[str, Any]:
    r = seeded_app.test_client().get("/api/v1/oc4ids.json")
    assert r.status_code == 200
    doc: dict[str, Any] = r.get_json()
    return doc


def test_the_package_is_valid_oc4ids_0_9_5(package, schemas):
    package_schema, project_schema = schemas
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
              for e in validator(package_schema, project_schema).iter_errors(package)]
    assert errors == []
    assert package["projects"] and all(p.get("budget") or p.get("locations")
                                       for p in package["projects"])


def test_the_validator_sees_an_error(package, schemas):
    """The check can fail: a budget line without its id, a bad date."""
    package_schema, project_schema = schemas
    broken = json.loads(json.dumps(package))
    project = next(p for p in broken["projects"] if "budgetBreakdowns" in p.get("budget", {}))
    project["budget"]["budgetBreakdowns"][0]["budgetBreakdown"][0].pop("id")
    project["updated"] = "yesterday"
    project["documents"] = [{"id": "d", "url": "not a uri"}]
    errors = list(validator(package_schema, project_schema).iter_errors(broken))
    assert {e.validator for e in errors} >= {"required", "format"}
    assert {e.instance for e in errors if e.validator == "format"} == {"yesterday", "not a uri"}


def test_no_unknown_field(package, schemas):
    package_schema, project_schema = schemas
    found = [path for path in unknown_fields(package, package_schema, package_schema)
             if not path.startswith("$.projects[")]
    for i, project in enumerate(package["projects"]):
        found += unknown_fields(project, project_schema, project_schema, f"$.projects[{i}]")
    assert found == []
    # the walk can fail: the 0.9.3 spelling of the funding lines is unknown in 0.9.5
    old = {"budget": {"budgetBreakdown": [{"id": "1"}]}, "id": "x"}
    assert unknown_fields(old, project_schema, project_schema) == ["$.budget.budgetBreakdown"]


def test_every_code_is_in_its_codelist(package, schemas):
    _package_schema, project_schema = schemas
    seen: set[str] = set()
    for i, project in enumerate(package["projects"]):
        for path, name, value in codelist_values(project, project_schema, project_schema,
                                                 f"$.projects[{i}]"):
            assert value in codelist(name), (path, name, value)
            seen.add(name)
    # the gazetteer scheme (an open codelist: the schema takes any text, the codelist not)
    assert "locationGazetteers.csv" in seen and "currency.csv" in seen
    schemes = {loc["gazetteer"]["scheme"] for p in package["projects"]
               for loc in p.get("locations", []) if "gazetteer" in loc}
    assert schemes == {"ISO2"} and "ISO3166-2" not in codelist("locationGazetteers.csv")


def test_funding_reaches_oc4ids_tools(package):
    """Every funding line is a budgetBreakdowns[].budgetBreakdown[] entry (0.9.4+)."""
    lines = [line for p in package["projects"]
             for group in p.get("budget", {}).get("budgetBreakdowns", [])
             for line in group["budgetBreakdown"]]
    assert lines and all(line["id"] for line in lines)
    assert Path(STANDARD / "codelists" / "locationGazetteers.csv").exists()
