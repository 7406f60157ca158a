"""Tests of the sandboxed code runner (runner/)."""
