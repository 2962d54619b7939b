"""`regex` (faas-cli's `--regex`) and `expectBodyRegex` take what Go's `regexp` takes: each pattern
of the syntax classes `regexp/syntax` documents (escapes, classes, flags, repeats, named groups,
Unicode classes, and what Perl or PCRE have and Go has not), alone and repeated, is accepted or
refused as Go itself decides, compiled by `tests/support/go_regexp/main.go` (Go is on every
machine here; the test fails, never skips, without it)."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from components.shared.regex import RegexError, compile_go_regex

pytestmark = pytest.mark.differential
SOURCE = Path(__file__).resolve().parents[1] / "support" / "go_regexp" / "main.go"

ATOMS = [
    # escapes
    r"\C", r"\Q*+\E", r"\Q\C\E", r"\x41", r"\x{263a}", r"\101", r"\0", r"\8", r"\a", r"\f", r"\t",
    r"\n", r"\r", r"\v", r"\e", r"\cA", r"\%", r"\-", r"\_", r"\ ", r"\\C", r"\\\C",
    # classes
    r"a", r".", r"\d", r"\D", r"\w", r"\W", r"\s", r"\S", r"[[:alpha:]]", r"[[:word:]]",
    r"[[:foo:]]", r"[^a-z]", r"[a-\d]", r"[\d-z]", r"[z-a]", r"[]a]", r"[^]a]", r"[\C]", r"\h", r"\R",
    r"\X", r"\K", r"\N{DIGIT}",
    # Unicode classes
    r"\pL", r"\PL", r"\pN", r"\pZ", r"\p{Greek}", r"\p{^L}", r"\p{Foo}", r"\p{Any}", r"\p{Latin}",
    r"\p{Han}", r"\p{Cs}", r"\p{L&}",
    # empty strings
    r"\z", r"\Z", r"\A", r"\b", r"\B", r"\G", r"^", r"$",
    # flags and groups
    r"(?i)a", r"(?s).", r"(?m)^", r"(?U)a+", r"(?i:a)", r"(?i)(?-i)a", r"(?x) a", r"(?U)", r"(?:a)",
    r"(?P<n>a)", r"(?<n>a)", r"(?'n'a)", r"(?P=n)", r"(?=a)", r"(?!a)", r"(?<=a)", r"(?#c)", r"()",
    r"(|a)", r"(a)\1",
    # repeats
    r"a{2}", r"a{2,}", r"a{2,5}", r"a{,5}", r"a{1001}", r"a**", r"a*?", r"a++", r"a?+", r"x{2}{3}",
    r"a|*",
]  # fmt: skip
PATTERNS = ATOMS + [atom + repeat for atom, repeat in itertools.product(ATOMS, ["+", "*?", "{2}"])]


def go_verdicts(patterns: list[str], tmp: Path) -> list[str]:
    go = shutil.which("go")
    if go is None:
        raise RuntimeError("go is not on PATH: the Go toolchain is the reference of this test")
    binary = tmp / "go_regexp"
    subprocess.run([go, "build", "-o", str(binary), str(SOURCE)], check=True, cwd=tmp, capture_output=True)
    lines = "".join(json.dumps(p) + "\n" for p in patterns)
    return subprocess.run(
        [str(binary)], input=lines, capture_output=True, text=True, check=True
    ).stdout.split()


def ours(pattern: str) -> str:
    try:
        compile_go_regex(pattern)
    except RegexError:
        return "error"
    return "ok"


def test_every_pattern_is_accepted_or_refused_as_go_decides(tmp_path: Path) -> None:
    verdicts = go_verdicts(PATTERNS, tmp_path)
    assert len(verdicts) == len(PATTERNS)
    assert [(p, g, ours(p)) for p, g in zip(PATTERNS, verdicts, strict=True) if g != ours(p)] == []


def test_the_patterns_cover_both_verdicts(tmp_path: Path) -> None:
    assert set(go_verdicts(PATTERNS, tmp_path)) == {"ok", "error"}
