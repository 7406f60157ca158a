"""The app's badge rules and reputation words say what salamin.stats computes."""

from __future__ import annotations

import re
from pathlib import Path

from salamin import stats

TS = (Path(__file__).resolve().parents[2] / "web/src/lib/badges.ts").read_text()


def test_web_badges_are_the_server_s_with_the_same_rules() -> None:
    block = re.search(r"export const BADGES[^=]*= \{(.*?)\n\};", TS, re.S)
    assert block
    rules = dict(re.findall(r"(\w+): \{\s*label: '[^']*',\s*rule: '([^']*)'", block.group(1)))
    assert rules == {k: v.replace('\\"', '"') for k, v in stats.BADGES.items()}


def test_reputation_words_match_the_formula() -> None:
    assert f"+ {stats.RELIABILITY_PRIOR})" in TS and "toward 3 stars" in TS and "fewer than 5" in TS
    # the formula the words describe: 5 ratings of 5 stars, perfect reliability -> 100; 1 rating of 5 -> 60
    assert stats.reputation(5.0, 5, 1.0) == 100 and stats.reputation(5.0, 1, 1.0) == 60

