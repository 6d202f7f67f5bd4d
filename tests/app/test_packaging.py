"""What `pip install summarizer` gets: the wheel, built from this repository with hatchling (no
network, no build isolation), holds the package and its data and nothing of the tests or the
stand-ins: no stand-in server, no fixture, no test double, no import of a package it does not
require. The stand-ins' own wheel (standins/) requires what they import, aiosmtpd among them."""

from __future__ import annotations

import ast
import re
import sys
import zipfile
from importlib import metadata
from pathlib import Path, PurePosixPath

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.files import FIXTURES, REPOSITORY

STANDINS = REPOSITORY / "standins"
# Imported by the demo alone, which `summarizer demo` loads inside the command.
DEMO = "summarizer/app/demo.py"
DOUBLE = re.compile(r"(^|[/_])(tests?|conftest|fakes?|mocks?|stubs?|standins?|fixtures?)([/_.]|$)")

Wheel = dict[str, bytes]


def build_wheel(project: Path, into: Path) -> Wheel:
    """Every file of the wheel hatchling builds from `project`, by its path in the wheel."""
    from hatchling.builders.wheel import WheelBuilder

    (path,) = WheelBuilder(str(project)).build(directory=str(into), versions=["standard"])
    with zipfile.ZipFile(path) as wheel:
        return {name: wheel.read(name) for name in wheel.namelist()}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Wheel]:
    into = tmp_path_factory.mktemp("wheels")
    return {"summarizer": build_wheel(REPOSITORY, into), "standins": build_wheel(STANDINS, into)}


def requirements(wheel: Wheel) -> list[Requirement]:
    (name,) = [n for n in wheel if n.endswith(".dist-info/METADATA")]
    lines = wheel[name].decode("utf-8").splitlines()
    return [
        Requirement(line.split(":", 1)[1]) for line in lines if line.startswith("Requires-Dist:")
    ]


def unconditional(requires: list[Requirement]) -> list[Requirement]:
    return [r for r in requires if r.marker is None or r.marker.evaluate({"extra": ""})]


def brought_by(requires: list[Requirement]) -> set[str]:
    """The distributions these requirements install, theirs included (as installed here)."""
    seen: set[str] = set()
    todo = list(unconditional(requires))
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            extras = ["", *requirement.extras]
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                todo.append(needed)
    return seen


def import_names(distributions: set[str]) -> set[str]:
    names = {d.replace("-", "_") for d in distributions}
    for module, owners in metadata.packages_distributions().items():
        if any(canonicalize_name(owner) in distributions for owner in owners):
            names.add(module)
    return names


def imports(wheel: Wheel) -> dict[str, set[str]]:
    """The top-level name of every absolute import in the wheel's modules, with its importers."""
    found: dict[str, set[str]] = {}
    for name, source in wheel.items():
        if not name.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(source, name)):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                found.setdefault(module.split(".")[0], set()).add(name)
    return found


def imported(node: ast.stmt) -> list[str]:
    """The dotted names an import statement names ("." for each level up); none for others."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = "." * node.level + (node.module or "")
    joint = "" if base.endswith(".") else "."
    return [base, *(base + joint + alias.name for alias in node.names)]


def test_the_wheel_holds_the_package_its_prompts_templates_and_data(
    wheels: dict[str, Wheel],
) -> None:
    names = set(wheels["summarizer"])
    assert all(n.startswith(("summarizer/", "summarizer-0.1.0.dist-info/")) for n in names), names
    for needed in (
        "summarizer/app/cli.py",
        "summarizer/prompts/brief.toml",
        "summarizer/prompts/detailed.toml",
        "summarizer/publish/templates/site/day.html.j2",
        "summarizer/deliver/templates/mail.html.j2",
        "summarizer/data/prices.json",
    ):
        assert needed in names


def test_no_test_fixture_stand_in_or_test_double_in_the_wheel(wheels: dict[str, Wheel]) -> None:
    names = set(wheels["summarizer"])
    assert not [n for n in names if DOUBLE.search(n.lower())]
    shipped = {"summarizer/data/glossary.csv"}  # the default glossary is package data
    assert not [n for n in names - shipped if n.endswith((".pem", ".key", ".crt", ".bib", ".csv"))]
    # no sample mailing, recorded answer or profile, whatever it might be renamed under
    data = [*(STANDINS / "summarizer_standins" / "data").iterdir(), *FIXTURES.rglob("*")]
    samples = {p.read_bytes() for p in data if p.is_file()}
    assert not [n for n, content in wheels["summarizer"].items() if content and content in samples]
    assert not {PurePosixPath(n).name for n in names} & {p.name for p in data}


def test_the_wheel_requires_nothing_of_the_tests_or_the_stand_ins(
    wheels: dict[str, Wheel],
) -> None:
    requires = requirements(wheels["summarizer"])
    needed = {canonicalize_name(r.name) for r in unconditional(requires)}
    test_only = {canonicalize_name(r.name) for r in requires if r not in unconditional(requires)}
    assert {"pytest", "hypothesis", "playwright"} <= test_only, "the test extra is read"
    assert not needed & (test_only | {"aiosmtpd", "summarizer-standins"}), needed
    assert "aiosmtpd" not in brought_by(requires)


def test_the_wheel_imports_only_what_it_requires(wheels: dict[str, Wheel]) -> None:
    wheel = wheels["summarizer"]
    allowed = import_names(brought_by(requirements(wheel))) | {"summarizer"}
    found = imports(wheel)
    assert found.pop("summarizer_standins") == {DEMO}, "only the demo uses the stand-ins"
    assert not {"unittest", "doctest", "aiosmtpd"} & set(found)
    strays = {m: f for m, f in found.items() if m not in sys.stdlib_module_names | allowed}
    assert not strays, strays
    # the demo, which needs the stand-ins package, is loaded only inside the command
    for name, source in wheel.items():
        if name.endswith(".py"):
            top = ast.parse(source, name).body
            assert not [n for node in top for n in imported(node) if "demo" in n.split(".")], name


def test_the_stand_ins_require_what_they_import(wheels: dict[str, Wheel]) -> None:
    wheel = wheels["standins"]
    requires = requirements(wheel)
    assert {"aiosmtpd", "summarizer"} <= {canonicalize_name(r.name) for r in requires}
    allowed = import_names(brought_by(requires)) | {"summarizer_standins"}
    found = imports(wheel)
    assert "aiosmtpd" in found
    strays = {m: f for m, f in found.items() if m not in sys.stdlib_module_names | allowed}
    assert not strays, strays
