"""Unit tests import the functions package directly (`from salamin import matching`), no emulators."""

from __future__ import annotations

import sys
from pathlib import Path

FUNCTIONS_DIR = str(Path(__file__).resolve().parents[2] / "functions")
if FUNCTIONS_DIR not in sys.path:
    sys.path.insert(0, FUNCTIONS_DIR)
