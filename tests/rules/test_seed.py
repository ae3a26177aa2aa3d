"""The Hà Tĩnh rules file against the seed text of the plan it transcribes.

Most tests read the file with ruamel.yaml's safe loader: they check the transcription (verbatim
items, lead agencies, sources, NFC), not the format's validation. The last one also loads it with
the library's ``load_rules``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ha_tinh_plan import DISTRICTS, II1_DEPARTMENTS

REPO = Path(__file__).parents[2]
RULES = REPO / "rules" / "ha-tinh-161.yaml"
SEED = REPO / "rules" / "source" / "ke-hoach-de-an-161-ha-tinh.txt"
"""The plan's text, kept beside its rules (a copy of the shared seed, as extracted from the PDF)."""
SHARED_SEED = REPO.parent / "shared" / "seed" / "ke-hoach-de-an-161-ha-tinh.txt"


# Section II, (b) "Cơ quan thực hiện", as read in the plan (see shared/reference/plan-outline.md).
EXPECTED_LEADS: dict[str, set[str]] = {
    "II.1": {*II1_DEPARTMENTS, *DISTRICTS},
    "II.2": {"so-ldtbxh"},
    "II.3": {"so-tnmt"},
    "II.4": {"so-khcn", "so-nv", "so-yt", "so-ldtbxh"},
    "II.5": {"so-tttt", "so-gddt"},
}
EXPECTED_LEAD_COUNTS = {"II.1": 23, "II.2": 1, "II.3": 1, "II.4": 4, "II.5": 2}
EXPECTED_ITEM_COUNTS = {"II.1": 2, "II.2": 5, "II.3": 6, "II.4": 5, "II.5": 4}

# Top-level sections whose every element must say where it comes from.
SOURCED_SECTIONS = ("agencies", "groups", "deadlines", "areas", "duties", "reminders")


def normalise(text: str) -> str:
    """NFC, every whitespace run (wraps, blank lines, page-break artefacts) as one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


@pytest.fixture(scope="module")
def seed_path() -> Path:
    if not SEED.is_file():
        pytest.fail(f"seed text not found at {SEED}")
    return SEED


@pytest.fixture(scope="module")
def seed_text(seed_path: Path) -> str:
    return normalise(seed_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rules() -> dict[str, Any]:
    data = YAML(typ="safe").load(RULES.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def areas(rules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {area["id"]: area for area in rules["areas"]}


def expand(rules: dict[str, Any], refs: list[str]) -> list[str]:
    """Agency codes for references that may name groups, in order, without repeats."""
    groups = {g["code"]: g["members"] for g in rules.get("groups", [])}
    out: dict[str, None] = {}
    for ref in refs:
        for code in groups.get(ref, [ref]):
            out[code] = None
    return list(out)


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in the document (keys and values), with where it is."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str):
                yield f"{path}/<key>", key
            yield from strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from strings(value, f"{path}[{i}]")


def test_area_ids(areas: dict[str, dict[str, Any]]) -> None:
    assert list(areas) == ["II.1", "II.2", "II.3", "II.4", "II.5"]


def test_item_counts(areas: dict[str, dict[str, Any]]) -> None:
    assert {aid: len(a["items"]) for aid, a in areas.items()} == EXPECTED_ITEM_COUNTS


@pytest.mark.parametrize("area_id", list(EXPECTED_ITEM_COUNTS))
def test_items_are_verbatim(areas: dict[str, dict[str, Any]], seed_text: str, area_id: str) -> None:
    for i, item in enumerate(areas[area_id]["items"]):
        assert isinstance(item, str), f"{area_id} item {i} is not a string"
        assert item.strip(), f"{area_id} item {i} is empty"
        assert item == item.strip(), f"{area_id} item {i} has surrounding whitespace"
        assert not item.startswith("- "), f"{area_id} item {i} keeps its bullet dash"
        assert normalise(item) in seed_text, f"{area_id} item {i} not in seed: {item!r}"


def test_items_cover_each_area_in_order(areas: dict[str, dict[str, Any]], seed_text: str) -> None:
    """The items, in order, are the whole of (a) "Nội dung thực hiện": nothing cut or left out."""
    for n, (area_id, area) in enumerate(areas.items(), start=1):
        heading = f"{n}. {normalise(area['title'])} a) Nội dung thực hiện "
        start = seed_text.index(heading) + len(heading)
        section = seed_text[start : seed_text.index(" b) Cơ quan thực hiện", start)]
        # Each item follows its bullet dash, except II.4's last sentence, which has none.
        pattern = "(?:- )?" + " (?:- )?".join(re.escape(normalise(i)) for i in area["items"])
        assert re.fullmatch(pattern, section), f"{area_id} items do not cover section (a)"


def test_items_are_distinct_bullets(areas: dict[str, dict[str, Any]]) -> None:
    # II.3's near-duplicates (3rd and 6th) differ in word order: both are kept, neither is a copy.
    for area_id, area in areas.items():
        assert len(set(area["items"])) == len(area["items"]), area_id


def test_titles_and_related_phrases_are_verbatim(
    areas: dict[str, dict[str, Any]], seed_text: str
) -> None:
    for area_id, area in areas.items():
        assert normalise(area["title"]) in seed_text, f"{area_id} title not in seed"
        related = area.get("related")
        if related is not None:
            assert normalise(related) in seed_text, f"{area_id} related phrase not in seed"


def test_duty_related_phrases_are_verbatim(rules: dict[str, Any], seed_text: str) -> None:
    for duty in rules["duties"]:
        related = duty.get("related")
        if related is not None:
            assert normalise(related) in seed_text, f"{duty['id']} related phrase not in seed"


def test_leads_per_area(rules: dict[str, Any], areas: dict[str, dict[str, Any]]) -> None:
    expanded = {aid: expand(rules, a["lead"]) for aid, a in areas.items()}
    assert {aid: len(codes) for aid, codes in expanded.items()} == EXPECTED_LEAD_COUNTS
    assert {aid: set(codes) for aid, codes in expanded.items()} == EXPECTED_LEADS
    assert sum(len(codes) for codes in expanded.values()) == 31


def test_district_group(rules: dict[str, Any]) -> None:
    groups = {g["code"]: g for g in rules["groups"]}
    group = groups["ubnd-cap-huyen"]
    assert set(group["members"]) == set(DISTRICTS)
    assert len(group["members"]) == 13
    agencies = {a["code"]: a for a in rules["agencies"]}
    for code in DISTRICTS:
        assert agencies[code]["kind"] == "district_peoples_committee"
        assert agencies[code]["parent"] == "ubnd-tinh"


def test_references_name_known_agencies(rules: dict[str, Any]) -> None:
    known = {a["code"] for a in rules["agencies"]} | {g["code"] for g in rules["groups"]}
    refs: list[str] = [rules["plan"]["issuer"], rules["roles"]["consolidator"]]
    refs += [rules["roles"]["evaluator"], *rules["roles"]["overseers"]]
    refs += rules["roles"]["recipients"]
    for group in rules["groups"]:
        refs += group["members"]
    for unit in rules["areas"] + rules["duties"]:
        refs += unit["lead"] + unit.get("coordinating", [])
    assert set(refs) <= known, set(refs) - known
    deadlines = {d["id"] for d in rules["deadlines"]}
    for unit in rules["areas"] + rules["duties"]:
        assert unit.get("deadline") in deadlines | {None}, unit["id"]


def test_every_string_is_nfc(rules: dict[str, Any]) -> None:
    raw = RULES.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw), "the file is not NFC"
    bad = [path for path, s in strings(rules) if not unicodedata.is_normalized("NFC", s)]
    assert not bad, bad


@pytest.mark.parametrize("section", SOURCED_SECTIONS)
def test_every_element_has_a_source(rules: dict[str, Any], section: str) -> None:
    elements = rules[section]
    assert elements, f"{section} is empty"
    for element in elements:
        source = element.get("source")
        assert isinstance(source, str), f"{section}: {element} has no source"
        assert source.strip(), f"{section}: {element} has an empty source"


def test_singletons_have_a_source(rules: dict[str, Any]) -> None:
    sourced = [rules["plan"], rules["calendar"], rules["roles"], *rules["plan"]["legal_basis"]]
    for element in sourced:
        source = element.get("source")
        assert isinstance(source, str), f"{element} has no source"
        assert source.strip(), f"{element} has an empty source"


def test_keys_are_model_fields(rules: dict[str, Any]) -> None:
    """Every mapping's keys are field names of the model class it stands for."""
    model = pytest.importorskip("plan161_workflow.model.plan")
    import attrs

    def fields(cls: type) -> set[str]:
        return {f.name for f in attrs.fields(cls)}

    top = fields(model.Plan) - {"info", "workflow"} | {"plan"}
    assert set(rules) <= top, set(rules) - top
    checks: list[tuple[type, list[dict[str, Any]]]] = [
        (model.PlanInfo, [rules["plan"]]),
        (model.Signer, [rules["plan"]["signer"]]),
        (model.LegalDocument, rules["plan"]["legal_basis"]),
        (model.CalendarSettings, [rules["calendar"]]),
        (model.Agency, rules["agencies"]),
        (model.AgencyGroup, rules["groups"]),
        (model.Deadline, rules["deadlines"]),
        (model.Area, rules["areas"]),
        (model.Duty, rules["duties"]),
        (model.Roles, [rules["roles"]]),
        (model.Rating, rules["rating_scale"]),
        (model.Reminder, rules["reminders"]),
    ]
    for cls, mappings in checks:
        allowed = fields(cls)
        required = {f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING}
        for mapping in mappings:
            assert set(mapping) <= allowed, (cls.__name__, set(mapping) - allowed)
            assert required <= set(mapping), (cls.__name__, required - set(mapping))


def test_loads_with_the_library(rules: dict[str, Any]) -> None:
    """The library's own loader accepts the file and reads the same plan."""
    from plan161_workflow import load_rules

    plan = load_rules(RULES)
    assert plan.info.title == rules["plan"]["title"]
    assert plan.info.number is None
    assert plan.info.date is None
    assert list(plan.info.years) == [2023, 2024, 2025]
    assert [a.id for a in plan.areas] == list(EXPECTED_ITEM_COUNTS)
    for area, raw in zip(plan.areas, rules["areas"], strict=True):
        assert list(area.items) == raw["items"]
        assert set(plan.expand(area.lead)) == EXPECTED_LEADS[area.id]
    assert sum(len(plan.expand(area.lead)) for area in plan.areas) == 31
    assert [d.id for d in plan.duties] == [
        "V.1-final-evaluation",
        "V.2-summary",
        "V.3",
        "V.4",
        "V.5",
        "V.6",
    ]
    assert all(d.deadline is None for d in plan.duties)
    once = {d.id: d.recurrence.year for d in plan.duties if d.recurrence.kind == "once"}
    assert once == {"V.1-final-evaluation": 2025, "V.2-summary": 2025}
    assert [d.id for d in plan.deadlines] == ["annual-report"]
    assert plan.calendar.non_working_last_day == "keep"
    assert plan.roles.consolidator == "so-ldtbxh"
    assert plan.roles.evaluator == "ubnd-tinh"
    assert len(plan.agencies) == 29


def test_the_kept_text_is_the_shared_seed() -> None:
    """The copy beside the rules is the shared seed, byte for byte (where the seed is present)."""
    if not SHARED_SEED.is_file():
        pytest.skip(f"no shared seed at {SHARED_SEED}")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()
