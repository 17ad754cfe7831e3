"""Reading the Dockerfile and .dockerignore the way `docker build` does (what tests need)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined, in build stage ``stage``."""

    keyword: str
    arguments: str
    stage: int


def instructions(text: str | None = None) -> list[Instruction]:
    """The Dockerfile's instructions in order (comments and blank lines dropped)."""
    text = DOCKERFILE.read_text() if text is None else text
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not pending):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        logical.append(pending + line)
        pending = ""
    result: list[Instruction] = []
    stage = -1
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        result.append(Instruction(keyword, arguments.strip(), stage))
    return result


def final_stage() -> list[Instruction]:
    """The instructions of the last stage: what the image is made of at run time."""
    found = instructions()
    last = max(instruction.stage for instruction in found)
    return [instruction for instruction in found if instruction.stage == last]


def copy_sources() -> list[str]:
    """Paths COPY/ADD take from the build context (copies from another stage left out)."""
    sources: list[str] = []
    for instruction in instructions():
        if instruction.keyword not in {"COPY", "ADD"}:
            continue
        words = shlex.split(instruction.arguments)
        if any(word.startswith("--from") for word in words):
            continue
        words = [word for word in words if not word.startswith("--")]
        sources.extend(words[:-1])
    return sources


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD."""
    parsed = json.loads(arguments[arguments.index("[") :])
    assert isinstance(parsed, list)
    return [str(item) for item in parsed]


def healthcheck_command() -> list[str]:
    """The command of the HEALTHCHECK instruction."""
    (healthcheck,) = [i for i in instructions() if i.keyword == "HEALTHCHECK"]
    return exec_form(healthcheck.arguments.split(" CMD ", 1)[1])


def env_assignments(arguments: str) -> dict[str, str]:
    """``KEY=value`` pairs of an ENV instruction, or leading the command of a RUN."""
    values: dict[str, str] = {}
    for word in shlex.split(arguments):
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", word)
        if not match:
            break
        values[match.group(1)] = match.group(2)
    return values


def image_env() -> dict[str, str]:
    """The environment the final stage's ENV instructions give every process of the image."""
    values: dict[str, str] = {}
    for instruction in final_stage():
        if instruction.keyword == "ENV":
            values.update(env_assignments(instruction.arguments))
    return values


# --- .dockerignore (moby/patternmatcher semantics) --------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
            continue
        if pattern.startswith("**", index):
            out += ".*"
            index += 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", index)
            out += pattern[index : end + 1]
            index = end
        else:
            out += re.escape(char)
        index += 1
    return re.compile(f"^{out}$")


@dataclass(frozen=True)
class IgnoreRule:
    """One .dockerignore line: a pattern, or with ``!`` an exception to earlier patterns."""

    regex: re.Pattern[str]
    is_exception: bool


def ignore_rules(text: str | None = None) -> list[IgnoreRule]:
    """The rules of .dockerignore, in order."""
    text = DOCKERIGNORE.read_text() if text is None else text
    rules: list[IgnoreRule] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        is_exception = line.startswith("!")
        pattern = line[1:].strip() if is_exception else line
        pattern = pattern.strip("/")
        rules.append(IgnoreRule(_pattern_regex(pattern), is_exception))
    return rules


def is_in_build_context(path: str, rules: list[IgnoreRule] | None = None) -> bool:
    """Whether `docker build` sends this repo-relative path: the last rule matching the path
    or one of its parent directories decides."""
    rules = ignore_rules() if rules is None else rules
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: length + 1]) for length in range(len(parts))]
    included = True
    for rule in rules:
        if any(rule.regex.match(candidate) for candidate in candidates):
            included = rule.is_exception
    return included


@cache
def repository_files() -> tuple[str, ...]:
    """Files a fresh clone would have once the work tree is committed (git-ignored ones out)."""
    result = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:  # not a git checkout: what is on disk
        return tuple(
            str(path.relative_to(REPO))
            for path in REPO.rglob("*")
            if path.is_file() and not {".git", ".venv", "var", "__pycache__"} & set(path.parts)
        )
    return tuple(line for line in result.stdout.splitlines() if (REPO / line).is_file())
