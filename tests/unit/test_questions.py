"""Unit tests of the question bank (questions/) and its pure logic (salamin.questions): format, counts,
public/private split and per-half selection. Running the reference solutions lives in
test_question_bank_solutions.py (slow)."""

from __future__ import annotations

import ast
import copy
import json
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from salamin import matching
from salamin import questions as qb

ROOT = Path(__file__).resolve().parents[2] / "questions"
BANK = qb.load_bank_files(ROOT)
BY_ID = {q.id: q for q in BANK}
RAW = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in qb.question_files(ROOT)}


def coding(category: str | None = None, sql: bool | None = None) -> list[qb.Question]:
    return [
        q for q in BANK
        if q.code is not None and (category is None or q.category == category) and (sql is None or q.code.is_sql == sql)
    ]


# --- The bank on disk -----------------------------------------------------------------------------


def test_bank_loads_with_a_version() -> None:
    assert len(BANK) == len(RAW) >= 70
    assert qb.bank_version(ROOT).count(".") == 2
    meta = json.loads((ROOT / qb.BANK_FILE).read_text())
    assert tuple(meta["languages"]) == qb.LANGUAGES
    assert tuple(meta["categories"]) == matching.SESSION_TYPES
    assert tuple(meta["difficulties"]) == matching.DIFFICULTIES


def test_default_root_is_the_repository_bank() -> None:
    assert qb.DEFAULT_ROOT == ROOT
    assert [q.id for q in qb.load_bank_files()] == [q.id for q in BANK]


def test_counts_per_category_meet_the_minimums() -> None:
    per = Counter(q.category for q in BANK)
    assert per["behavioral"] >= 20
    assert per["case_study"] >= 10
    assert per["mixed"] >= 10
    assert len(coding("technical", sql=False)) >= 30
    assert len(coding("technical", sql=True)) >= 3
    assert all(q.code is not None for q in BANK if q.category == "technical")


def test_coding_questions_spread_over_difficulties() -> None:
    spread = Counter(q.difficulty for q in coding("technical", sql=False))
    assert spread["beginner"] >= 8
    assert spread["intermediate"] >= 14
    assert spread["advanced"] >= 8
    for category in matching.SESSION_TYPES:
        levels = {q.difficulty for q in BANK if q.category == category}
        assert levels == set(matching.DIFFICULTIES), category


@pytest.mark.parametrize("qid", sorted(RAW))
def test_each_question_is_valid(qid: str) -> None:
    d = RAW[qid]
    assert qb.validate_question(d) == []
    assert d["id"] == qid
    assert d["difficulty"] in matching.DIFFICULTIES
    assert d["category"] in matching.SESSION_TYPES
    assert len(d["hints"]) >= 2
    assert len(d["rubric"]) >= 3
    for r in d["rubric"]:
        assert set(r["levels"]) == {"1", "3", "5"}
    assert len(d["prompt"]) > 80 and len(d["solution"]) > 200


def test_ids_are_unique_and_equal_file_names() -> None:
    stems = [p.stem for p in qb.question_files(ROOT)]
    assert len(stems) == len(set(stems))
    assert sorted(q.id for q in BANK) == sorted(stems)
    for p in qb.question_files(ROOT):
        assert json.loads(p.read_text())["category"] == p.parent.name


@pytest.mark.parametrize("qid", sorted(q.id for q in coding()))
def test_coding_questions_have_every_language_and_enough_tests(qid: str) -> None:
    q = BY_ID[qid]
    assert q.code is not None
    tests = q.code.tests
    assert len(tests) >= 6
    assert len(q.code.hidden_tests) >= 2
    assert len(q.code.visible_tests) >= 1
    assert len({t.id for t in tests}) == len(tests)
    if q.code.is_sql:
        assert set(q.code.languages) == {"sql"}
        assert "sql" in q.tags
        spec = q.code.languages["sql"]
        assert spec.starter.strip() and spec.solution.strip() and (spec.setup or "").strip()
        assert all(t.setup and "CREATE TABLE" in t.setup for t in tests)
        return
    assert set(q.code.languages) == set(qb.CODE_LANGUAGES)
    for lang, spec in q.code.languages.items():
        assert spec.starter.strip() and spec.solution.strip() and (spec.driver or "").strip(), lang
        assert spec.starter != spec.solution, lang
    assert all(t.stdin.endswith("\n") for t in tests)
    assert q.code.stdin_format


@pytest.mark.parametrize("qid", sorted(q.id for q in coding(sql=False)))
def test_language_conventions(qid: str) -> None:
    q = BY_ID[qid]
    assert q.code is not None
    langs = q.code.languages
    # Java: imports first in the candidate's file; the appended driver must not import anything.
    for code in (langs["java"].starter, langs["java"].solution):
        assert code.startswith("import java.util.*;\nimport java.io.*;\n")
        assert "public class" not in code
    java_driver = langs["java"].driver or ""
    assert "public class Main" in java_driver and "public static void main" in java_driver
    assert not any(line.lstrip().startswith("import ") for line in java_driver.splitlines())
    assert "int main()" in (langs["cpp"].driver or "")
    assert "#include" in langs["cpp"].starter
    assert "declare const require: any;" in (langs["typescript"].driver or "")
    assert "readFileSync(0, 'utf8')" in (langs["javascript"].driver or "")
    # Python parses as written (the slow test also runs it).
    for code in (langs["python"].starter, langs["python"].solution, langs["python"].driver or ""):
        ast.parse(code)
    ast.parse(langs["python"].starter + "\n" + (langs["python"].driver or ""))


def test_prompts_never_contain_hints_or_solutions() -> None:
    for q in BANK:
        for h in q.hints:
            assert h not in q.prompt, q.id
        assert q.solution not in q.prompt


# --- Public / private split -----------------------------------------------------------------------


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


@pytest.mark.parametrize("qid", sorted(RAW))
def test_public_part_hides_everything_private(qid: str) -> None:
    q = BY_ID[qid]
    pub = qb.public_part(q)
    assert set(pub) <= {"id", "version", "category", "title", "difficulty", "tags", "prompt", "estimatedMinutes",
                        "code"}
    for key in ("hints", "solution", "rubric", "driver", "drivers", "hidden"):
        assert key not in pub
    strings = set(_strings(pub))
    secrets = [q.solution, *q.hints, *(r.description for r in q.rubric)]
    secrets += [level for r in q.rubric for level in r.levels.values()]
    if q.code is not None:
        assert set(pub["code"]) == {"languages", "tests", "stdinFormat"}
        for lang, spec in pub["code"]["languages"].items():
            assert set(spec) <= {"starter", "setup"}, lang
            assert "solution" not in spec and "driver" not in spec
        assert all(t["hidden"] is False for t in pub["code"]["tests"])
        visible_ids = {t.id for t in q.code.visible_tests}
        assert {t["id"] for t in pub["code"]["tests"]} == visible_ids
        secrets += [s.solution for s in q.code.languages.values()]
        secrets += [s.driver for s in q.code.languages.values() if s.driver]
        visible_inputs = {t.stdin for t in q.code.visible_tests} | {t.setup for t in q.code.visible_tests}
        visible_inputs |= {spec.setup for spec in q.code.languages.values()}  # an empty-table test is the bare schema
        visible_outputs = {t.expected for t in q.code.visible_tests}
        secrets += [t.stdin for t in q.code.hidden_tests if t.stdin not in visible_inputs and t.stdin.strip()]
        secrets += [t.setup for t in q.code.hidden_tests if t.setup and t.setup not in visible_inputs]
        secrets += [t.expected for t in q.code.hidden_tests
                    if t.expected not in visible_outputs and len(t.expected) > 20]
    leaked = [s[:60] for s in secrets if s in strings]
    assert not leaked, f"public part of {qid} leaks {leaked}"


@pytest.mark.parametrize("qid", sorted(RAW))
def test_private_part_has_the_rest_and_merges_back(qid: str) -> None:
    q = BY_ID[qid]
    pub, priv = qb.public_part(q), qb.private_part(q)
    assert set(priv) >= {"id", "version", "hints", "solution", "rubric"}
    assert set(pub) & set(priv) <= {"id", "version", "code"}
    if q.code is not None:
        assert all(t["hidden"] is True for t in priv["code"]["tests"])
        assert len(priv["code"]["tests"]) == len(q.code.hidden_tests)
        for lang, spec in priv["code"]["languages"].items():
            assert "starter" not in spec and "setup" not in spec
            assert spec["solution"] == q.code.languages[lang].solution
    merged = qb.merge_parts(pub, priv)
    raw = copy.deepcopy(RAW[qid])
    if "code" in raw:  # the split lists visible tests first
        raw["code"]["tests"].sort(key=lambda t: t["hidden"])
    assert merged == raw
    assert qb.to_dict(q) == raw
    assert json.loads(json.dumps(pub)) == pub and json.loads(json.dumps(priv)) == priv


def test_merge_parts_refuses_mismatched_parts() -> None:
    a, b = BANK[0], BANK[1]
    with pytest.raises(ValueError):
        qb.merge_parts(qb.public_part(a), qb.private_part(b))


# --- Validation and loading errors ----------------------------------------------------------------


def _valid(category: str = "behavioral", qid: str = "sample-question") -> dict[str, Any]:
    return {
        "id": qid, "version": 1, "category": category, "title": "Sample", "difficulty": "beginner",
        "tags": ["sample"], "prompt": "Tell me about a time.", "hints": ["first", "second"],
        "solution": "A model answer.", "estimatedMinutes": 10,
        "rubric": [{"criterion": f"c{i}", "description": "d", "levels": {"1": "a", "3": "b", "5": "c"}}
                   for i in range(3)],
    }


def _code(sql: bool = False) -> dict[str, Any]:
    if sql:
        langs = {"sql": {"starter": "SELECT 1;", "solution": "SELECT 2;", "setup": "CREATE TABLE t (x);"}}
        tests = [{"id": f"t{i}", "setup": "CREATE TABLE t (x);", "expected": "2", "hidden": i < 2} for i in range(6)]
    else:
        langs = {lang: {"starter": "s", "driver": "d", "solution": "x"} for lang in qb.CODE_LANGUAGES}
        tests = [{"id": f"t{i}", "stdin": "1\n", "expected": "1", "hidden": i < 2} for i in range(6)]
    return {"languages": langs, "tests": tests, "stdinFormat": "one number"}


def test_validate_accepts_minimal_questions() -> None:
    assert qb.validate_question(_valid()) == []
    tech = _valid("technical") | {"code": _code()}
    assert qb.validate_question(tech) == []
    sql = _valid("technical") | {"code": _code(sql=True), "tags": ["sql"]}
    assert qb.validate_question(sql) == []


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda d: d.pop("hints"), "missing field hints"),
        (lambda d: d.update(difficulty="expert"), "difficulty must be one of"),
        (lambda d: d.update(category="quiz"), "category must be one of"),
        (lambda d: d.update(id="Not_Kebab"), "id must be kebab-case"),
        (lambda d: d.update(version=0), "version must be an integer"),
        (lambda d: d.update(version=True), "version must be an integer"),
        (lambda d: d.update(hints=["only one"]), "hints needs at least 2"),
        (lambda d: d.update(rubric=d["rubric"][:2]), "rubric needs at least 3"),
        (lambda d: d["rubric"][0]["levels"].pop("5"), "levels must have exactly the keys"),
        (lambda d: d.update(tags=[]), "tags must be a non-empty list"),
        (lambda d: d.update(estimatedMinutes=0), "estimatedMinutes must be an integer"),
        (lambda d: d.update(prompt="  "), "prompt must be a non-empty string"),
        (lambda d: d.update(answer="x"), "unknown field 'answer'"),
        (lambda d: d.update(category="technical"), "a technical question needs code"),
    ],
)
def test_validate_reports_problems(mutate: Any, problem: str) -> None:
    d = _valid()
    mutate(d)
    problems = qb.validate_question(d)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda c: c["languages"].pop("cpp"), "code.languages misses ['cpp']"),
        (lambda c: c["languages"].update(cobol={"starter": "s", "driver": "d", "solution": "x"}), "unknown languages"),
        (lambda c: c["languages"]["java"].pop("driver"), "code.languages.java.driver"),
        (lambda c: c.update(tests=c["tests"][:5]), "at least 6 cases"),
        (lambda c: [t.update(hidden=False) for t in c["tests"]], "at least 2 hidden"),
        (lambda c: [t.update(hidden=True) for t in c["tests"]], "at least 1 visible"),
        (lambda c: c["tests"][1].update(id="t0"), "ids must be unique"),
        (lambda c: c["tests"][0].pop("stdin"), "stdin must be a string"),
        (lambda c: c["languages"].update(sql={"starter": "s", "solution": "x", "setup": "y"}), "only the 'sql'"),
    ],
)
def test_validate_reports_code_problems(mutate: Any, problem: str) -> None:
    code = _code()
    mutate(code)
    problems = qb.validate_question(_valid("technical") | {"code": code})
    assert any(problem in p for p in problems), problems


def test_sql_questions_need_the_tag_and_setups() -> None:
    code = _code(sql=True)
    assert any("tagged 'sql'" in p for p in qb.validate_question(_valid("technical") | {"code": code}))
    code["tests"][0].pop("setup")
    problems = qb.validate_question(_valid("technical") | {"code": code, "tags": ["sql"]})
    assert any("setup (schema and rows)" in p for p in problems)


def _write_bank(root: Path, questions: list[dict[str, Any]], names: list[str] | None = None) -> None:
    (root / "bank.json").write_text(json.dumps({"version": "2026.11.1"}))
    for i, d in enumerate(questions):
        name = names[i] if names else d["id"]
        path = root / d["category"] / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(d))


def test_load_bank_files_names_the_bad_file(tmp_path: Path) -> None:
    bad = _valid(qid="broken") | {"difficulty": "expert"}
    _write_bank(tmp_path, [_valid(), bad])
    with pytest.raises(qb.QuestionBankError, match=r"behavioral/broken\.json: difficulty must be one of"):
        qb.load_bank_files(tmp_path)


def test_load_bank_files_checks_file_name_folder_and_json(tmp_path: Path) -> None:
    _write_bank(tmp_path, [_valid()], names=["other-name"])
    with pytest.raises(qb.QuestionBankError, match="must equal the file name 'other-name'"):
        qb.load_bank_files(tmp_path)

    wrong_folder = tmp_path / "w" / "mixed"
    wrong_folder.mkdir(parents=True)
    (wrong_folder / "sample-question.json").write_text(json.dumps(_valid("behavioral")))
    with pytest.raises(qb.QuestionBankError, match="must equal its folder 'mixed'"):
        qb.load_bank_files(tmp_path / "w")

    broken = tmp_path / "b"
    (broken / "behavioral").mkdir(parents=True)
    (broken / "behavioral" / "x.json").write_text("{not json")
    with pytest.raises(qb.QuestionBankError, match=r"behavioral/x\.json: cannot read JSON"):
        qb.load_bank_files(broken)

    empty = tmp_path / "e"
    empty.mkdir()
    with pytest.raises(qb.QuestionBankError, match="no question files"):
        qb.load_bank_files(empty)


def test_load_bank_files_rejects_duplicate_ids_across_categories(tmp_path: Path) -> None:
    _write_bank(tmp_path, [_valid("behavioral"), _valid("mixed")])
    with pytest.raises(qb.QuestionBankError, match="is also used by"):
        qb.load_bank_files(tmp_path)


def test_bank_version_is_checked(tmp_path: Path) -> None:
    (tmp_path / "bank.json").write_text(json.dumps({"version": "v2"}))
    with pytest.raises(qb.QuestionBankError, match="version must be a string like"):
        qb.bank_version(tmp_path)
    (tmp_path / "bank.json").write_text(json.dumps({"version": "2026.12.3"}))
    assert qb.bank_version(tmp_path) == "2026.12.3"


# --- Selection ------------------------------------------------------------------------------------


def ids(qs: list[qb.Question]) -> list[str]:
    return [q.id for q in qs]


def synthetic_bank() -> list[qb.Question]:
    """Three questions per (category, difficulty), ids like 'behavioral-beginner-0'."""
    base = BY_ID["tell-me-about-yourself"]
    return [
        replace(base, id=f"{c}-{d}-{i}", category=c, difficulty=d)
        for c in matching.SESSION_TYPES for d in matching.DIFFICULTIES for i in range(3)
    ]


@pytest.mark.parametrize("session_type", ["behavioral", "technical", "case_study"])
def test_selection_honours_the_session_type(session_type: str) -> None:
    for seed in ("a", "b", "c"):
        picked = qb.select_questions(BANK, session_type, "intermediate", set(), 3, seed)
        assert len(picked) == 3
        assert {q.category for q in picked} == {session_type}


def test_mixed_sessions_prefer_mixed_questions_then_borrow() -> None:
    n_mixed = sum(q.category == "mixed" for q in BANK)
    picked = qb.select_questions(BANK, "mixed", "beginner", set(), n_mixed, "seed")
    assert {q.category for q in picked} == {"mixed"}
    more = qb.select_questions(BANK, "mixed", "beginner", set(), n_mixed + 4, "seed")
    assert len(more) == n_mixed + 4
    assert {q.category for q in more[:n_mixed]} == {"mixed"}
    assert {q.category for q in more[n_mixed:]} == {"behavioral"}
    all_mixed_seen = {q.id for q in BANK if q.category == "mixed"}
    borrowed = qb.select_questions(BANK, "mixed", "advanced", all_mixed_seen, 2, "seed")
    assert all(q.category != "mixed" for q in borrowed)


def test_other_session_types_never_borrow() -> None:
    bank = synthetic_bank()
    picked = qb.select_questions(bank, "case_study", "beginner", set(), 100, "s")
    assert len(picked) == 9
    assert {q.category for q in picked} == {"case_study"}


def test_selection_prefers_exact_difficulty_then_nearest() -> None:
    bank = synthetic_bank()
    exact = qb.select_questions(bank, "technical", "advanced", set(), 3, "s")
    assert {q.difficulty for q in exact} == {"advanced"}
    seen = {f"technical-advanced-{i}" for i in range(3)}
    nearest = qb.select_questions(bank, "technical", "advanced", seen, 3, "s")
    assert {q.difficulty for q in nearest} == {"intermediate"}
    # from intermediate both neighbours are one step away: the easier one comes first
    seen = {f"technical-intermediate-{i}" for i in range(3)}
    tie = qb.select_questions(bank, "technical", "intermediate", seen, 6, "s")
    assert [q.difficulty for q in tie] == ["beginner"] * 3 + ["advanced"] * 3
    # on the real bank: every category has every difficulty, so the first pick always matches
    for session_type in matching.SESSION_TYPES:
        for difficulty in matching.DIFFICULTIES:
            first = qb.select_questions(BANK, session_type, difficulty, set(), 1, "x")[0]
            assert first.difficulty == difficulty


def test_selection_avoids_seen_questions_until_nothing_else_fits() -> None:
    technical = [q.id for q in BANK if q.category == "technical"]
    seen = set(technical[:-2])
    picked = qb.select_questions(BANK, "technical", "beginner", seen, 2, "s")
    assert set(ids(picked)) == set(technical[-2:])
    # everything seen: fall back to seen questions, deterministically, still best difficulty first
    fallback = qb.select_questions(BANK, "technical", "beginner", set(technical), 3, "s")
    assert len(fallback) == 3 and {q.difficulty for q in fallback} == {"beginner"}
    assert fallback == qb.select_questions(BANK, "technical", "beginner", set(technical), 3, "s")
    # unseen ones always come before seen ones, whatever their difficulty
    some = qb.select_questions(BANK, "technical", "beginner", seen, 5, "s")
    assert set(ids(some[:2])) == set(technical[-2:])
    assert set(ids(some[2:])) <= seen


def test_selection_is_deterministic_and_order_independent() -> None:
    first = qb.select_questions(BANK, "behavioral", "intermediate", {"owned-a-mistake"}, 3, "session-42")
    shuffled = list(BANK)
    random.Random(7).shuffle(shuffled)
    again = qb.select_questions(shuffled, "behavioral", "intermediate", {"owned-a-mistake"}, 3, "session-42")
    assert ids(first) == ids(again)
    by_seed = {tuple(ids(qb.select_questions(BANK, "behavioral", "intermediate", set(), 3, f"s{i}"))) for i in range(8)}
    assert len(by_seed) > 1, "different sessions should get different questions"


def test_two_halves_never_share_a_question() -> None:
    for session_type in matching.SESSION_TYPES:
        for difficulty in matching.DIFFICULTIES:
            seen = {q.id for q in BANK if q.category == session_type and q.difficulty == difficulty}
            seen = set(sorted(seen)[:1])
            first, second = qb.select_halves(BANK, session_type, difficulty, seen, 2, "pair-1")
            assert len(first) == len(second) == 2
            assert not set(ids(first)) & set(ids(second))
            assert not (set(ids(first)) | set(ids(second))) & seen
            # the same call gives the same answer (a retried function picks the same questions)
            assert (first, second) == qb.select_halves(BANK, session_type, difficulty, seen, 2, "pair-1")
    # calling select_questions twice with the first half's picks in `seen` is equivalent
    first = qb.select_questions(BANK, "case_study", "advanced", set(), 3, "s")
    second = qb.select_questions(BANK, "case_study", "advanced", set(ids(first)), 3, "s")
    assert not set(ids(first)) & set(ids(second))


def test_language_preference() -> None:
    sql_first = qb.select_questions(BANK, "technical", "intermediate", set(), 3, "s", language="sql")
    assert all(q.code is not None and q.code.is_sql for q in sql_first)
    java = qb.select_questions(BANK, "technical", "beginner", set(), 20, "s", language="java")
    assert all(q.code is not None and "java" in q.code.languages for q in java)
    # behavioral questions have no code and are unaffected by a language
    assert qb.select_questions(BANK, "behavioral", "beginner", set(), 2, "s", language="cpp") == \
        qb.select_questions(BANK, "behavioral", "beginner", set(), 2, "s")


def test_selection_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="session type"):
        qb.select_questions(BANK, "quiz", "beginner", set(), 1, "s")
    with pytest.raises(ValueError, match="difficulty"):
        qb.select_questions(BANK, "mixed", "expert", set(), 1, "s")
    with pytest.raises(ValueError, match="language"):
        qb.select_questions(BANK, "technical", "beginner", set(), 1, "s", language="cobol")
    with pytest.raises(ValueError, match="count"):
        qb.select_questions(BANK, "technical", "beginner", set(), -1, "s")
    assert qb.select_questions(BANK, "technical", "beginner", set(), 0, "s") == []


def test_duplicate_ids_in_the_given_bank_are_picked_once() -> None:
    doubled = BANK + BANK
    picked = qb.select_questions(doubled, "case_study", "beginner", set(), 10, "s")
    assert len(picked) == len(set(ids(picked))) == 10
