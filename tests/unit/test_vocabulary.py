"""One vocabulary, three layers, proven equal.

salamin.vocabulary is the source of every enum, pattern and limit of a client-written field. This test
reads firestore.rules and web/src/types/models.ts as text and fails when either drifts from it, and checks
that every field a rule lets a client write has an entry in the vocabulary. No emulators needed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from salamin import matching, profiles
from salamin import vocabulary as vocab

ROOT = Path(__file__).resolve().parents[2]
RULES = (ROOT / "firestore.rules").read_text()
MODELS = (ROOT / "web/src/types/models.ts").read_text()

# ---- reading the rules --------------------------------------------------------------------------------


def _quoted(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"'([^']*)'", text))


def rules_function_body(name: str) -> str:
    m = re.search(rf"function {name}\([^)]*\)\s*\{{", RULES)
    assert m, f"no function {name} in firestore.rules"
    return _balanced(RULES, m.end() - 1)


def rules_list(name: str) -> tuple[str, ...]:
    body = rules_function_body(name)
    m = re.fullmatch(r"\{\s*return\s*\[(.*)\];\s*\}", body, re.S)
    assert m, f"function {name} does not return a list literal"
    return _quoted(m.group(1))


def _balanced(text: str, start: int) -> str:
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i + 1]
    raise AssertionError("unbalanced braces in firestore.rules")


def rules_block(path: str) -> str:
    """The text of `match <path> { ... }` plus the bodies of the document-checking helpers it calls."""
    m = re.search(rf"match {re.escape(path)}\s*\{{", RULES)
    assert m, f"no match {path} in firestore.rules"
    block = _balanced(RULES, m.end() - 1)[1:]
    # Only the allow statements of this level, not nested matches (e.g. users/{uid}/notifications).
    while nested := re.search(r"match /\S*\s*\{", block):
        inner = _balanced(block, nested.end() - 1)
        block = block[:nested.start()] + block[nested.end() - 1 + len(inner):]
    for helper in re.findall(r"(\w+)\(request\.resource\.data\)", block):
        block += rules_function_body(helper)
    return block


FIELD = r"(?:request\.resource\.data|\bd)\.([A-Za-z_][\w.]*?)"


def rules_specs(path: str) -> dict[str, Any]:
    """Field -> vocabulary spec, as the rules for `path` check it."""
    text = rules_block(path)
    out: dict[str, Any] = {}

    def put(name: str, spec: Any) -> None:
        before = out.get(name)
        if isinstance(before, vocab.Enum) and isinstance(spec, vocab.Enum):  # `in [a, b] ... || == c`
            spec = vocab.Enum(before.values + tuple(v for v in spec.values if v not in before.values))
        elif before is not None and before != spec:
            raise AssertionError(f"{path}: {name} checked two ways: {before} and {spec}")
        out[name] = spec

    for name, fn, lo, hi in re.findall(rf"enumList\({FIELD}, (\w+)\(\), (\d+), (\d+)\)", text):
        put(name, vocab.EnumList(rules_list(fn), int(lo), int(hi)))
    for name, fn in re.findall(rf"{FIELD} in (\w+)\(\)", text):
        put(name, vocab.Enum(rules_list(fn)))
    for name, values in re.findall(rf"{FIELD} in \[([^\]]*)\]", text):
        put(name, vocab.Enum(_quoted(values)))
    for name, value in re.findall(rf"{FIELD} == '([^']*)'", text):
        put(name, vocab.Enum((value,)))
    patterns = dict(re.findall(rf"{FIELD}\.matches\('([^']*)'\)", text))
    for name, lo, hi in re.findall(rf"\bstr\({FIELD}, (\d+), (\d+)\)", text):
        put(name, vocab.Str(int(lo), int(hi), patterns.pop(name, None)))
    assert not patterns, f"{path}: a pattern on a field without a length check: {patterns}"
    for name, most, lo, hi in re.findall(rf"strList\({FIELD}, (\d+), (\d+), (\d+)\)", text):
        put(name, vocab.StrList(int(most), int(lo), int(hi)))
    for name, most in re.findall(rf"uidList\({FIELD}, (\d+)\)", text):
        put(name, vocab.StrList(int(most), 1, 128, vocab.UID_PATTERN))
    for name, lo, hi in re.findall(rf"{FIELD} >= (\d+) && (?:request\.resource\.data|\bd)\.\w+ <= (\d+)", text):
        put(name, vocab.Int(int(lo), int(hi)))
    for name, hi in re.findall(rf"qNum\({FIELD}, (\d+)\)", text):
        put(name, vocab.Num(0, int(hi)))
    for name in re.findall(rf"rating\({FIELD}\)", text):
        put(name, vocab.Int(1, 5))
    # feedbackRubricOk asks rubricOk's 1..5 per key whenever a rubric is wanted (and {} otherwise).
    if re.search(r"(?:rubricOk|feedbackRubricOk)\(request\.resource\.data\.rubric", text):
        put("rubric", vocab.Int(1, 5))
    sizes = rf"{FIELD}\.size\(\) >= (\d+) && request\.resource\.data\.\w+\.size\(\) <= (\d+)"
    for name, lo, hi in re.findall(sizes, text):
        put(name, vocab.Bytes(int(lo), int(hi)))
    for name, of in re.findall(rf"{FIELD} == request\.resource\.data\.(\w+)\.size\(\)", text):
        put(name, vocab.SizeOf(of))
    for name in re.findall(rf"{FIELD} is bool", text):
        put(name, vocab.Bool())
    for name in re.findall(rf"{FIELD} == true", text):
        put(name, vocab.Bool())
    for name in re.findall(rf"{FIELD} is int\)", text):
        out.setdefault(name, vocab.AnyInt())
    for name in re.findall(rf"{FIELD} == request\.time", text):
        put(name, vocab.ServerTime())
    for name in re.findall(rf"{FIELD} == (?:uid|fromUid|request\.auth\.uid|partnerOf\(sessionId\))", text):
        put(name, vocab.Own())
    for name in re.findall(rf"{FIELD} is map", text):
        put(name, vocab.Own())
    return out


def rules_writable_fields(path: str) -> set[str]:
    """Every field the rules for `path` let a client write (keys().hasOnly / affectedKeys().hasOnly)."""
    text = rules_block(path)
    fields: set[str] = set()
    for prefix, listed in re.findall(r"(request\.resource\.data(?:\.\w+)*)(?:\.diff\(resource\.data\)\.affectedKeys"
                                     r"|\.keys)\(\)\.hasOnly\(\[([^\]]*)\]", text):
        nested = prefix.removeprefix("request.resource.data").lstrip(".")
        fields |= {f"{nested}.{f}" if nested else f for f in _quoted(listed)}
    assert fields, f"{path}: no hasOnly list of writable fields"
    return fields


@pytest.mark.parametrize("path", list(vocab.CLIENT_WRITTEN))
def test_rules_check_each_field_as_the_vocabulary_says(path: str) -> None:
    assert rules_specs(path) == vocab.CLIENT_WRITTEN[path]


@pytest.mark.parametrize("path", list(vocab.CLIENT_WRITTEN))
def test_every_field_a_client_may_write_is_in_the_vocabulary(path: str) -> None:
    assert rules_writable_fields(path) == set(vocab.CLIENT_WRITTEN[path])


def test_every_collection_a_client_may_write_is_in_the_vocabulary() -> None:
    writable = {path for path in re.findall(r"match (/\w+/\{\w+\})\s*\{", RULES)
                if re.search(r"allow [\w, ]*\b(create|update|write)\b", rules_block(path))}
    assert writable == set(vocab.CLIENT_WRITTEN)


def test_rules_enum_lists_equal_the_vocabulary() -> None:
    assert rules_list("sessionTypes") == vocab.SESSION_TYPES
    assert rules_list("difficulties") == vocab.DIFFICULTIES
    assert rules_list("rolePreferences") == vocab.ROLE_PREFERENCES
    assert rules_list("experienceLevels") == vocab.EXPERIENCE_LEVELS
    assert rules_list("spokenLanguages") == vocab.LANGUAGES
    assert rules_list("industries") == vocab.INDUSTRIES
    assert rules_list("feedbackTags") == vocab.FEEDBACK_TAGS
    assert rules_list("feedbackStyles") == vocab.FEEDBACK_STYLES


def test_rules_rubric_keys_equal_the_vocabulary() -> None:
    body = rules_function_body("rubricKeys")
    pairs = dict(re.findall(r"sessionType == '(\w+)' \? \[([^\]]*)\]", body))
    keys = {k: _quoted(v) for k, v in pairs.items()}
    last = re.findall(r":\s*\[([^\]]*)\];", body)
    assert last, "rubricKeys has no final default list"
    (default_type,) = set(vocab.RUBRIC_KEYS) - set(keys)
    keys[default_type] = _quoted(last[-1])
    assert keys == vocab.RUBRIC_KEYS


def test_rules_block_list_check_is_the_vocabulary_pattern() -> None:
    body = rules_function_body("uidList")
    assert f"matches('{vocab.BLOCK_LIST_JOINED_PATTERN}')" in body
    item = vocab.UID_PATTERN.strip("^$")
    assert f"^{item}(,{item})*$" == vocab.BLOCK_LIST_JOINED_PATTERN


# ---- reading models.ts --------------------------------------------------------------------------------


def ts_options(name: str) -> tuple[str, ...]:
    m = re.search(rf"export const {name}: readonly Option<\w+>\[\] = \[(.*?)\n\];", MODELS, re.S)
    assert m, f"no {name} options in models.ts"
    return tuple(re.findall(r"value: '([^']*)'", m.group(1)))


def ts_union(name: str) -> tuple[str, ...]:
    m = re.search(rf"export type {name} =(.*?);", MODELS, re.S)
    assert m, f"no type {name} in models.ts"
    return _quoted(m.group(1))


def ts_object(name: str) -> dict[str, Any]:
    m = re.search(rf"export const {name} = \{{(.*?)\n\}}", MODELS, re.S)
    assert m, f"no {name} in models.ts"
    out: dict[str, Any] = {}
    for key, found in re.findall(r"^\s*(\w+): (.+?),?$", m.group(1), re.M):
        raw = found.strip()
        out[key] = int(raw.replace("_", "")) if re.fullmatch(r"[\d_]+", raw) else raw
    return out


def ts_regex(source: str) -> str:
    """A JavaScript regex literal's pattern, as Python/RE2 would spell it."""
    m = re.fullmatch(r"/(.*)/", source.strip())
    assert m, source
    return m.group(1).replace(r"\/", "/")


@pytest.mark.parametrize(("ts_name", "type_name", "values"), [
    ("SESSION_TYPES", "SessionType", vocab.SESSION_TYPES),
    ("DIFFICULTIES", "Difficulty", vocab.DIFFICULTIES),
    ("ROLE_PREFERENCES", "RolePreference", vocab.ROLE_PREFERENCES),
    ("EXPERIENCE_LEVELS", "ExperienceLevel", vocab.EXPERIENCE_LEVELS),
    ("SPOKEN_LANGUAGES", "SpokenLanguage", vocab.LANGUAGES),
    ("INDUSTRIES", "Industry", vocab.INDUSTRIES),
    ("FEEDBACK_TAGS", "FeedbackTag", vocab.FEEDBACK_TAGS),
    ("FEEDBACK_STYLES", "FeedbackStyle", vocab.FEEDBACK_STYLES),
])
def test_web_enums_equal_the_vocabulary(ts_name: str, type_name: str, values: tuple[str, ...]) -> None:
    assert ts_options(ts_name) == values
    assert set(ts_union(type_name)) == set(values)


def test_web_call_states_and_rubrics_equal_the_vocabulary() -> None:
    assert set(ts_union("CallState")) == set(vocab.CALL_STATES)
    m = re.search(r"RUBRIC_BY_SESSION_TYPE[^=]*= \{(.*?)\n\};", MODELS, re.S)
    assert m
    listed = re.findall(r"(\w+): \[([^\]]*)\]", m.group(1))
    rubrics = {t: tuple(re.findall(r"RUBRIC\.(\w+)", keys)) for t, keys in listed}
    assert rubrics == vocab.RUBRIC_KEYS


def _spec(specs: dict[str, vocab.Spec], name: str) -> Any:
    return specs[name]


def test_web_matching_limits_equal_the_vocabulary() -> None:
    q = vocab.QUEUE_ENTRY
    limits = ts_object("MATCHING_LIMITS")
    expected = {
        "sessionTypesMin": _spec(q, "sessionTypes").min_items, "sessionTypesMax": _spec(q, "sessionTypes").max_items,
        "difficultyLevelsMin": _spec(q, "difficultyLevels").min_items,
        "difficultyLevelsMax": _spec(q, "difficultyLevels").max_items,
        "languagesMin": _spec(q, "languages").min_items, "languagesMax": _spec(q, "languages").max_items,
        "industriesMax": _spec(q, "industries").max_items, "targetRolesMax": _spec(q, "targetRoles").max_items,
        "targetRoleMin": _spec(q, "targetRoles").min_len, "targetRoleMax": _spec(q, "targetRoles").max_len,
        "timeZoneMin": _spec(q, "timeZone").min_len, "timeZoneMax": _spec(q, "timeZone").max_len,
        "maxWaitMin": _spec(q, "maxWaitTime").min, "maxWaitMax": _spec(q, "maxWaitTime").max,
    }
    assert limits == expected
    m = re.search(r"export const TIME_ZONE_PATTERN = (/.*/);", MODELS)
    assert m and ts_regex(m.group(1)) == vocab.TIME_ZONE_PATTERN
    fields = re.search(r"MATCHING_PREFERENCE_FIELDS = \[(.*?)\]", MODELS, re.S)
    assert fields and _quoted(fields.group(1)) == matching.PREFERENCE_FIELDS
    assert set(matching.PREFERENCE_FIELDS) <= set(q)
    waits = [int(s) for s in re.findall(r"\{ seconds: (\d+),", MODELS)]
    assert waits and all(_spec(q, "maxWaitTime").min <= w <= _spec(q, "maxWaitTime").max for w in waits)


def test_web_block_list_and_join_budget_equal_the_vocabulary() -> None:
    limits = ts_object("BLOCK_LIST_LIMITS")
    assert limits["max"] == vocab.BLOCKED_USER_IDS_MAX == _spec(vocab.USER, "blockedUserIds").max_items
    assert ts_regex(limits["uidPattern"]) == vocab.UID_PATTERN
    m = re.search(r"export const QUEUE_JOINS_PER_HOUR = (\d+);", MODELS)
    assert m and int(m.group(1)) == vocab.QUEUE_JOINS_PER_HOUR == matching.QUEUE_JOINS_PER_HOUR


def test_web_profile_limits_equal_the_vocabulary() -> None:
    p = vocab.COMMUNITY_PROFILE
    assert ts_object("PROFILE_LIMITS") == {
        "displayNameMin": _spec(p, "displayName").min_len, "displayNameMax": _spec(p, "displayName").max_len,
        "headlineMax": _spec(p, "headline").max_len, "bioMax": _spec(p, "bio").max_len,
        "languagesMin": _spec(p, "languages").min_items, "languagesMax": _spec(p, "languages").max_items,
        "industriesMax": _spec(p, "industries").max_items, "targetRolesMax": _spec(p, "targetRoles").max_items,
        "targetRoleMax": _spec(p, "targetRoles").max_len, "specialtiesMax": _spec(p, "specialties").max_items,
        "specialtyMax": _spec(p, "specialties").max_len, "timeZoneMax": _spec(p, "timeZone").max_len,
        "preferredSessionTypesMax": _spec(p, "preferredSessionTypes").max_items,
        "maxSessionsPerDayMin": _spec(p, "maxSessionsPerDay").min,
        "maxSessionsPerDayMax": _spec(p, "maxSessionsPerDay").max,
        "availabilityRangesMax": vocab.AVAILABILITY_RANGES_MAX, "availabilityMax": _spec(p, "availability").max_len,
    }
    m = re.search(r"export const AVAILABILITY_PATTERN = (/.*/);", MODELS)
    assert m and ts_regex(m.group(1)) == vocab.AVAILABILITY_PATTERN == _spec(p, "availability").pattern
    fields = re.search(r"COMMUNITY_PROFILE_CLIENT_FIELDS = \[(.*?)\]", MODELS, re.S)
    assert fields and set(_quoted(fields.group(1))) == set(p) - {"updatedAt"}
    # The server's bootstrap writes names the rules would accept from the owner.
    assert _spec(p, "displayName").max_len == profiles.DISPLAY_NAME_MAX
    # ...and a default for every field the rules check, so the owner's first edit passes.
    assert set(profiles.CommunityProfile(uid="u", displayName="A").to_doc()) >= set(p) - {"updatedAt"}


def test_web_feedback_and_code_limits_equal_the_vocabulary() -> None:
    f = vocab.FEEDBACK
    feedback = ts_object("FEEDBACK_LIMITS")
    assert (feedback["ratingMin"], feedback["ratingMax"]) == (_spec(f, "overall").min, _spec(f, "overall").max)
    assert feedback["tagsMax"] == _spec(f, "tags").max_items
    assert feedback["textMax"] == _spec(f, "text").max_len
    code = ts_object("CODE_LIMITS")
    assert code["maxUpdateBytes"] == _spec(vocab.CODE_UPDATE, "update").max_len
    assert code["maxPresenceBytes"] == _spec(vocab.CODE_PRESENCE, "state").max_len


def test_python_matching_reads_the_vocabulary() -> None:
    """salamin.matching refuses exactly what the vocabulary refuses, at each limit's edge."""
    base = {"sessionTypes": ["technical"], "difficultyLevels": ["beginner"], "rolePreference": "flexible",
            "languages": ["english"], "industries": [], "targetRoles": [], "timeZone": "UTC",
            "experienceLevel": "mid", "maxWaitTime": 60}
    assert matching.validate_preferences(base) == []
    for name, spec in vocab.QUEUE_ENTRY.items():
        if name not in base:
            continue
        if isinstance(spec, vocab.EnumList):
            assert matching.validate_preferences({**base, name: list(spec.values[:spec.max_items])}) == []
            too_many = (list(spec.values) * 2)[:spec.max_items + 1]
            assert matching.validate_preferences({**base, name: too_many}), name
        elif isinstance(spec, vocab.Int):
            assert matching.validate_preferences({**base, name: spec.max}) == []
            assert matching.validate_preferences({**base, name: spec.max + 1}), name
            assert matching.validate_preferences({**base, name: spec.min - 1}), name
        elif isinstance(spec, vocab.Enum):
            assert all(matching.validate_preferences({**base, name: v}) == [] for v in spec.values)
            assert matching.validate_preferences({**base, name: "nope"}), name
        elif isinstance(spec, vocab.Str):
            assert matching.validate_preferences({**base, name: "A" * spec.max_len}) == []
            assert matching.validate_preferences({**base, name: "A" * (spec.max_len + 1)}), name
        elif isinstance(spec, vocab.StrList):
            ok = [f"r{i}" + "x" * (spec.max_len - 3) for i in range(spec.max_items)]
            assert matching.validate_preferences({**base, name: ok}) == []
            assert matching.validate_preferences({**base, name: [*ok, "extra"]}), name
            assert matching.validate_preferences({**base, name: ["x" * (spec.max_len + 1)]}), name
