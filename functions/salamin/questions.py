"""The interview question bank: loading, validation, the public/private split and per-half selection.

Pure: nothing here touches Firestore or the clock. The bank lives in the repository under questions/
(one JSON file per question, see questions/README.md); `load_bank_files` reads and validates all of it.

The interviewee may only ever see `public_part(q)` (prompt, starters, visible tests); the interviewer
also gets `private_part(q)` (hints, solution, rubric, hidden tests, reference solutions, drivers). The
two maps share no key except `id` and `version`, and `merge_parts` puts them back together, so the
server can store them in two documents with different read rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .matching import DIFFICULTIES, SESSION_TYPES

# Programming languages a coding question can carry; 'sql' questions carry only 'sql'.
LANGUAGES: tuple[str, ...] = ("python", "javascript", "typescript", "java", "cpp", "sql")
CODE_LANGUAGES: tuple[str, ...] = ("python", "javascript", "typescript", "java", "cpp")
SQL = "sql"

# Repository default; the server may point elsewhere (e.g. a copy bundled with the deployed functions).
DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "questions"
BANK_FILE = "bank.json"

MIN_HINTS = 2
MIN_RUBRIC = 3
MIN_TESTS = 6
MIN_HIDDEN_TESTS = 2
MIN_VISIBLE_TESTS = 1
MINUTES_RANGE = (5, 120)
RUBRIC_LEVELS: tuple[str, ...] = ("1", "3", "5")

_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_BANK_VERSION_RE = re.compile(r"^\d{4}\.\d{1,2}\.\d+$")

_REQUIRED_FIELDS: tuple[str, ...] = (
    "id", "version", "category", "title", "difficulty", "tags", "prompt", "hints", "solution", "rubric",
    "estimatedMinutes",
)
_OPTIONAL_FIELDS: tuple[str, ...] = ("code",)
_CODE_FIELDS: tuple[str, ...] = ("languages", "tests", "stdinFormat")
_TEST_FIELDS: tuple[str, ...] = ("id", "stdin", "setup", "expected", "hidden")


class QuestionBankError(ValueError):
    """The bank on disk is malformed; the message names the file and every problem found."""


# --- Data model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricCriterion:
    criterion: str
    description: str
    levels: Mapping[str, str]  # "1" | "3" | "5" -> what that score looks like


@dataclass(frozen=True)
class LanguageCode:
    """One language of a coding question.

    starter: what the interviewee starts editing (public). solution: reference implementation in the
    starter's shape (private). driver: harness appended after the candidate's source that reads one
    test case from stdin and prints the answer canonically (private; None for SQL). setup: SQL only,
    the schema shown to the candidate (public; None otherwise).
    """

    starter: str
    solution: str
    driver: str | None = None
    setup: str | None = None


@dataclass(frozen=True)
class CodeTest:
    id: str
    expected: str
    hidden: bool
    stdin: str = ""  # program input (non-SQL questions)
    setup: str | None = None  # SQL questions: schema and rows run before the candidate's query


@dataclass(frozen=True)
class CodeSpec:
    languages: Mapping[str, LanguageCode]
    tests: tuple[CodeTest, ...]
    stdin_format: str = ""

    @property
    def is_sql(self) -> bool:
        return SQL in self.languages

    @property
    def visible_tests(self) -> tuple[CodeTest, ...]:
        return tuple(t for t in self.tests if not t.hidden)

    @property
    def hidden_tests(self) -> tuple[CodeTest, ...]:
        return tuple(t for t in self.tests if t.hidden)


@dataclass(frozen=True)
class Question:
    id: str
    version: int
    category: str
    title: str
    difficulty: str
    tags: tuple[str, ...]
    prompt: str
    hints: tuple[str, ...]
    solution: str
    rubric: tuple[RubricCriterion, ...]
    estimated_minutes: int
    code: CodeSpec | None = None

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.code.languages) if self.code else ()


# --- Validation -----------------------------------------------------------------------------------


def _nonempty_str(v: object) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _validate_rubric(rubric: object) -> list[str]:
    if not isinstance(rubric, list):
        return ["rubric must be a list"]
    problems: list[str] = []
    if len(rubric) < MIN_RUBRIC:
        problems.append(f"rubric needs at least {MIN_RUBRIC} criteria, got {len(rubric)}")
    names: list[str] = []
    for i, item in enumerate(rubric):
        where = f"rubric[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where} must be a map")
            continue
        extra = set(item) - {"criterion", "description", "levels"}
        if extra:
            problems.append(f"{where} has unknown fields {sorted(extra)}")
        for key in ("criterion", "description"):
            if not _nonempty_str(item.get(key)):
                problems.append(f"{where}.{key} must be a non-empty string")
        if isinstance(item.get("criterion"), str):
            names.append(item["criterion"])
        levels = item.get("levels")
        if not isinstance(levels, dict) or set(levels) != set(RUBRIC_LEVELS):
            problems.append(f"{where}.levels must have exactly the keys {list(RUBRIC_LEVELS)}")
        elif not all(_nonempty_str(v) for v in levels.values()):
            problems.append(f"{where}.levels values must be non-empty strings")
    if len(set(names)) != len(names):
        problems.append("rubric criteria must be unique")
    return problems


def _validate_language(lang: str, spec: object) -> list[str]:
    where = f"code.languages.{lang}"
    if not isinstance(spec, dict):
        return [f"{where} must be a map"]
    problems: list[str] = []
    required = ("starter", "solution", "setup") if lang == SQL else ("starter", "solution", "driver")
    for key in required:
        if not _nonempty_str(spec.get(key)):
            problems.append(f"{where}.{key} must be a non-empty string")
    extra = set(spec) - set(required)
    if extra:
        problems.append(f"{where} has unknown fields {sorted(extra)}")
    return problems


def _validate_tests(tests: object, sql: bool) -> list[str]:
    if not isinstance(tests, list):
        return ["code.tests must be a list"]
    problems: list[str] = []
    if len(tests) < MIN_TESTS:
        problems.append(f"code.tests needs at least {MIN_TESTS} cases, got {len(tests)}")
    ids: list[str] = []
    hidden = visible = 0
    for i, t in enumerate(tests):
        where = f"code.tests[{i}]"
        if not isinstance(t, dict):
            problems.append(f"{where} must be a map")
            continue
        extra = set(t) - set(_TEST_FIELDS)
        if extra:
            problems.append(f"{where} has unknown fields {sorted(extra)}")
        if not (isinstance(t.get("id"), str) and _ID_RE.match(t["id"])):
            problems.append(f"{where}.id must be a kebab-case string")
        else:
            ids.append(t["id"])
        if not isinstance(t.get("expected"), str):
            problems.append(f"{where}.expected must be a string")
        if not isinstance(t.get("hidden"), bool):
            problems.append(f"{where}.hidden must be true or false")
        elif t["hidden"]:
            hidden += 1
        else:
            visible += 1
        if sql:
            if not _nonempty_str(t.get("setup")):
                problems.append(f"{where}.setup (schema and rows) must be a non-empty string")
            if "stdin" in t and t["stdin"] != "":
                problems.append(f"{where}.stdin must be empty for SQL questions")
        else:
            if not isinstance(t.get("stdin"), str):
                problems.append(f"{where}.stdin must be a string")
            if "setup" in t:
                problems.append(f"{where}.setup is only for SQL questions")
    if len(set(ids)) != len(ids):
        problems.append("code.tests ids must be unique")
    if hidden < MIN_HIDDEN_TESTS:
        problems.append(f"code.tests needs at least {MIN_HIDDEN_TESTS} hidden cases, got {hidden}")
    if visible < MIN_VISIBLE_TESTS:
        problems.append(f"code.tests needs at least {MIN_VISIBLE_TESTS} visible case")
    return problems


def _validate_code(code: object, tags: object) -> list[str]:
    if not isinstance(code, dict):
        return ["code must be a map"]
    problems: list[str] = []
    extra = set(code) - set(_CODE_FIELDS)
    if extra:
        problems.append(f"code has unknown fields {sorted(extra)}")
    if "stdinFormat" in code and not isinstance(code["stdinFormat"], str):
        problems.append("code.stdinFormat must be a string")
    langs = code.get("languages")
    sql = False
    if not isinstance(langs, dict) or not langs:
        problems.append("code.languages must be a non-empty map")
    else:
        unknown = [k for k in langs if k not in LANGUAGES]
        if unknown:
            problems.append(f"code.languages has unknown languages {unknown}")
        sql = SQL in langs
        if sql and set(langs) != {SQL}:
            problems.append("an SQL question carries only the 'sql' language")
        if sql and not (isinstance(tags, list) and SQL in tags):
            problems.append("an SQL question must be tagged 'sql'")
        if not sql:
            missing = [k for k in CODE_LANGUAGES if k not in langs]
            if missing:
                problems.append(f"code.languages misses {missing}")
        for lang, spec in langs.items():
            if lang in LANGUAGES:
                problems.extend(_validate_language(lang, spec))
    problems.extend(_validate_tests(code.get("tests"), sql))
    return problems


def validate_question(d: Mapping[str, Any]) -> list[str]:
    """Problems with one question map as stored in its JSON file; an empty list means valid."""
    if not isinstance(d, Mapping):
        return ["a question must be a JSON object"]
    problems: list[str] = [f"missing field {k}" for k in _REQUIRED_FIELDS if k not in d]
    problems += [f"unknown field {k!r}" for k in d if k not in _REQUIRED_FIELDS + _OPTIONAL_FIELDS]
    if "id" in d and not (isinstance(d["id"], str) and _ID_RE.match(d["id"])):
        problems.append("id must be kebab-case (a-z, 0-9, single dashes)")
    if "version" in d and not (_is_int(d["version"]) and d["version"] >= 1):
        problems.append("version must be an integer >= 1")
    if "category" in d and d["category"] not in SESSION_TYPES:
        problems.append(f"category must be one of {list(SESSION_TYPES)}")
    if "difficulty" in d and d["difficulty"] not in DIFFICULTIES:
        problems.append(f"difficulty must be one of {list(DIFFICULTIES)}")
    for key in ("title", "prompt", "solution"):
        if key in d and not _nonempty_str(d[key]):
            problems.append(f"{key} must be a non-empty string")
    if "tags" in d:
        tags = d["tags"]
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and _ID_RE.match(t) for t in tags):
            problems.append("tags must be a non-empty list of kebab-case strings")
        elif len(set(tags)) != len(tags):
            problems.append("tags must be unique")
    if "hints" in d:
        hints = d["hints"]
        if not isinstance(hints, list) or not all(_nonempty_str(h) for h in hints):
            problems.append("hints must be a list of non-empty strings")
        elif len(hints) < MIN_HINTS:
            problems.append(f"hints needs at least {MIN_HINTS} entries, got {len(hints)}")
    if "rubric" in d:
        problems.extend(_validate_rubric(d["rubric"]))
    if "estimatedMinutes" in d:
        m = d["estimatedMinutes"]
        lo, hi = MINUTES_RANGE
        if not (_is_int(m) and lo <= m <= hi):
            problems.append(f"estimatedMinutes must be an integer from {lo} to {hi}")
    if "code" in d:
        problems.extend(_validate_code(d["code"], d.get("tags")))
    elif d.get("category") == "technical":
        problems.append("a technical question needs code (starters, drivers, solutions and tests)")
    return problems


# --- Parsing and loading --------------------------------------------------------------------------


def question_from_dict(d: Mapping[str, Any]) -> Question:
    """Build a Question from a stored map; raises ValueError listing the problems if it is invalid."""
    problems = validate_question(d)
    if problems:
        raise ValueError("; ".join(problems))
    code = None
    if "code" in d:
        c = d["code"]
        code = CodeSpec(
            languages={
                lang: LanguageCode(
                    starter=spec["starter"], solution=spec["solution"],
                    driver=spec.get("driver"), setup=spec.get("setup"),
                )
                for lang, spec in c["languages"].items()
            },
            tests=tuple(
                CodeTest(
                    id=t["id"], expected=t["expected"], hidden=t["hidden"],
                    stdin=t.get("stdin", ""), setup=t.get("setup"),
                )
                for t in c["tests"]
            ),
            stdin_format=c.get("stdinFormat", ""),
        )
    return Question(
        id=d["id"],
        version=d["version"],
        category=d["category"],
        title=d["title"],
        difficulty=d["difficulty"],
        tags=tuple(d["tags"]),
        prompt=d["prompt"],
        hints=tuple(d["hints"]),
        solution=d["solution"],
        rubric=tuple(
            RubricCriterion(criterion=r["criterion"], description=r["description"], levels=dict(r["levels"]))
            for r in d["rubric"]
        ),
        estimated_minutes=d["estimatedMinutes"],
        code=code,
    )


def question_files(root: Path) -> list[Path]:
    """Every question file under root, one folder per category, in a stable order."""
    return sorted(p for category in SESSION_TYPES for p in (root / category).glob("*.json"))


def load_bank_files(root: Path = DEFAULT_ROOT) -> list[Question]:
    """Read and validate every question file under root.

    Raises QuestionBankError naming the file and its problems on the first malformed file, when an id
    does not equal its file name, a file sits in another category's folder, or two files share an id.
    """
    bank: list[Question] = []
    seen: dict[str, Path] = {}
    for path in question_files(root):
        rel = path.relative_to(root)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise QuestionBankError(f"{rel}: cannot read JSON: {e}") from e
        problems = validate_question(d)
        if isinstance(d, dict):
            if d.get("id") != path.stem:
                problems.append(f"id {d.get('id')!r} must equal the file name {path.stem!r}")
            if d.get("category") != path.parent.name:
                problems.append(f"category {d.get('category')!r} must equal its folder {path.parent.name!r}")
        if problems:
            raise QuestionBankError(f"{rel}: " + "; ".join(problems))
        if path.stem in seen:
            raise QuestionBankError(f"{rel}: id {path.stem!r} is also used by {seen[path.stem].relative_to(root)}")
        seen[path.stem] = path
        bank.append(question_from_dict(d))
    if not bank:
        raise QuestionBankError(f"no question files found under {root.name}/")
    return bank


def bank_version(root: Path = DEFAULT_ROOT) -> str:
    """The bank-wide version from bank.json ("YYYY.MM.N"), bumped whenever any question changes."""
    path = root / BANK_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise QuestionBankError(f"{BANK_FILE}: cannot read JSON: {e}") from e
    version = meta.get("version") if isinstance(meta, dict) else None
    if not (isinstance(version, str) and _BANK_VERSION_RE.match(version)):
        raise QuestionBankError(f"{BANK_FILE}: version must be a string like '2026.11.1', got {version!r}")
    return version


# --- Public / private split -----------------------------------------------------------------------


def _test_dict(t: CodeTest, sql: bool) -> dict[str, Any]:
    d: dict[str, Any] = {"id": t.id}
    if sql:
        d["setup"] = t.setup
    else:
        d["stdin"] = t.stdin
    d["expected"] = t.expected
    d["hidden"] = t.hidden
    return d


def public_part(q: Question) -> dict[str, Any]:
    """What the interviewee may see: the prompt and, for coding questions, the starters (and SQL schema)
    and the visible tests. Never hints, solution, rubric, drivers, reference solutions or hidden tests."""
    d: dict[str, Any] = {
        "id": q.id,
        "version": q.version,
        "category": q.category,
        "title": q.title,
        "difficulty": q.difficulty,
        "tags": list(q.tags),
        "prompt": q.prompt,
        "estimatedMinutes": q.estimated_minutes,
    }
    if q.code is not None:
        sql = q.code.is_sql
        langs: dict[str, Any] = {}
        for lang, spec in q.code.languages.items():
            langs[lang] = {"starter": spec.starter}
            if spec.setup is not None:
                langs[lang]["setup"] = spec.setup
        d["code"] = {
            "languages": langs,
            "tests": [_test_dict(t, sql) for t in q.code.visible_tests],
            "stdinFormat": q.code.stdin_format,
        }
    return d


def private_part(q: Question) -> dict[str, Any]:
    """What only the interviewer (and the code runner) may see: hints, solution, rubric and, for coding
    questions, the reference solutions, the drivers and the hidden tests."""
    d: dict[str, Any] = {
        "id": q.id,
        "version": q.version,
        "hints": list(q.hints),
        "solution": q.solution,
        "rubric": [
            {"criterion": r.criterion, "description": r.description, "levels": dict(r.levels)} for r in q.rubric
        ],
    }
    if q.code is not None:
        sql = q.code.is_sql
        langs: dict[str, Any] = {}
        for lang, spec in q.code.languages.items():
            langs[lang] = {"solution": spec.solution}
            if spec.driver is not None:
                langs[lang]["driver"] = spec.driver
        d["code"] = {"languages": langs, "tests": [_test_dict(t, sql) for t in q.code.hidden_tests]}
    return d


def merge_parts(public: Mapping[str, Any], private: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of the split: the question map as stored in its file (visible tests first)."""
    if public.get("id") != private.get("id") or public.get("version") != private.get("version"):
        raise ValueError("public and private parts belong to different questions or versions")
    d: dict[str, Any] = {k: v for k, v in public.items() if k != "code"}
    d.update({k: v for k, v in private.items() if k not in ("id", "version", "code")})
    if "code" in public:
        pub, priv = public["code"], private.get("code", {})
        langs = {
            lang: {**spec, **priv.get("languages", {}).get(lang, {})} for lang, spec in pub["languages"].items()
        }
        d["code"] = {"languages": langs, "tests": [*pub["tests"], *priv.get("tests", [])]}
        if pub.get("stdinFormat"):
            d["code"]["stdinFormat"] = pub["stdinFormat"]
    return d


def to_dict(q: Question) -> dict[str, Any]:
    """The question as a JSON-ready map in the file format (visible tests first)."""
    return merge_parts(public_part(q), private_part(q))


# --- Selection ------------------------------------------------------------------------------------

# Categories a session type may draw from, best first. Only a mixed session borrows from the others.
SESSION_CATEGORIES: dict[str, tuple[str, ...]] = {
    "behavioral": ("behavioral",),
    "technical": ("technical",),
    "case_study": ("case_study",),
    "mixed": ("mixed", "behavioral", "technical", "case_study"),
}


def _tiebreak(seed: str, qid: str) -> str:
    return hashlib.sha256(f"{seed}\x00{qid}".encode()).hexdigest()


def select_questions(  # noqa: PLR0917 (the positional signature is the agreed API)
    bank: Sequence[Question],
    session_type: str,
    difficulty: str,
    seen: Iterable[str],
    count: int,
    rng_seed: str,
    *,
    language: str | None = None,
) -> list[Question]:
    """Pick `count` distinct questions for one half of a session.

    Ranking, most important first:
      1. not in `seen` (ids either participant already had): a seen question is only used when nothing
         unseen fits at all;
      2. category fit: the session type's own category (a mixed session prefers 'mixed' questions, then
         borrows behavioral, technical and case-study ones, in that order; other types never borrow);
      3. with `language` given, questions whose code supports it (questions without code count as
         supporting any language);
      4. difficulty: the requested level, then the nearest (the easier one first on a tie);
      5. a hash of (rng_seed, id): deterministic, so a retried function call picks the same questions,
         independent of the bank's order, yet varied across sessions.
    Returns fewer than `count` only if the allowed categories hold fewer questions. To pick the second
    half, call again with the first half's ids added to `seen` (see `select_halves`).
    """
    if session_type not in SESSION_CATEGORIES:
        raise ValueError(f"unknown session type {session_type!r}")
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {difficulty!r}")
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    if count < 0:
        raise ValueError("count must be >= 0")
    seen_ids = set(seen)
    categories = SESSION_CATEGORIES[session_type]
    want = DIFFICULTIES.index(difficulty)

    def rank(q: Question) -> tuple[int, int, int, int, int, str]:
        level = DIFFICULTIES.index(q.difficulty)
        lang_miss = int(language is not None and q.code is not None and language not in q.code.languages)
        return (
            int(q.id in seen_ids), categories.index(q.category), lang_miss,
            abs(level - want), level, _tiebreak(rng_seed, q.id),
        )

    pool: dict[str, Question] = {}
    for q in bank:
        if q.category in categories:
            pool.setdefault(q.id, q)
    return sorted(pool.values(), key=rank)[:count]


def select_halves(  # noqa: PLR0917 (mirrors select_questions)
    bank: Sequence[Question],
    session_type: str,
    difficulty: str,
    seen: Iterable[str],
    count: int,
    rng_seed: str,
    *,
    language: str | None = None,
) -> tuple[list[Question], list[Question]]:
    """Questions for both halves of a session (each participant interviews the other once).

    `seen` is the union of what both participants have had; the second half also avoids the first
    half's picks, so the two halves never share a question while unseen ones remain.
    """
    seen_ids = set(seen)
    first = select_questions(bank, session_type, difficulty, seen_ids, count, f"{rng_seed}/1", language=language)
    second = select_questions(
        bank, session_type, difficulty, seen_ids | {q.id for q in first}, count, f"{rng_seed}/2", language=language,
    )
    return first, second
