"""The picture in docs/architecture.md holds: no import circle, and every import points down the layers.

Imports are read from the source (module level and inside functions alike: an
import made late is still a dependency), so the test needs nothing installed
and fails as soon as a circle or a wrong-way import comes back.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("questionnaire", "scoring")

# Top to bottom; a module may import modules of its own layer or of the layers below it.
# A name stands for the module and everything under it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("entry points", ("questionnaire.cli", "questionnaire.wsgi")),
    ("application", ("questionnaire",)),
    ("views", ("questionnaire.views",)),
    (
        "features",
        (
            "questionnaire.reports",
            "questionnaire.offline",
            "questionnaire.offline_commands",
            "questionnaire.exports",
            "questionnaire.backup",
            "questionnaire.jobs",
            "questionnaire.demo",
            "questionnaire.forms",
            "questionnaire.openapi",
            "questionnaire.api_schemas",
            "questionnaire.charts",
        ),
    ),
    ("services", ("questionnaire.services",)),
    (
        "data",
        (
            "questionnaire.auth",
            "questionnaire.two_factor",
            "questionnaire.mail",
            "questionnaire.models",
            "questionnaire.catalogue",
            "questionnaire.catalogue_store",
            "questionnaire.catalogue_texts",
            "questionnaire.seed",
            "questionnaire.db",
            "questionnaire.caching",
            "questionnaire.i18n",
            "questionnaire.security",
            "questionnaire.config",
        ),
    ),
    ("scoring", ("scoring",)),
)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # Alembic loads them; nothing imports them
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports() -> dict[str, set[str]]:
    """Return, for each module, the project's modules it imports."""
    known = modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def layer_of(module: str) -> int:
    best, depth = -1, -1
    for index, (_, names) in enumerate(LAYERS):
        for prefix in names:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = index, len(prefix)
    return best


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in modules() if layer_of(m) < 0)
    assert not unplaced, f"modules in no layer of docs/architecture.md: {unplaced}"


def test_no_import_circle() -> None:
    assert circles(imports()) == [], "modules that import each other, directly or round a circle"


def test_imports_point_down_the_layers() -> None:
    wrong = [
        f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for module, targets in sorted(imports().items())
        for target in sorted(targets)
        if layer_of(target) < layer_of(module)
    ]
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_the_scoring_core_imports_no_framework() -> None:
    forbidden = ("flask", "sqlalchemy", "wtforms", "yaml", "weasyprint", "questionnaire")
    for path in (ROOT / "scoring").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            assert not [n for n in names if n.split(".")[0] in forbidden], f"{path.name} imports {names}"


def test_the_checks_catch_a_circle_and_a_wrong_way_import() -> None:
    """The checks themselves can fail: a made-up circle is found, and an upward import is below its target."""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    assert layer_of("questionnaire.views.api") < layer_of("questionnaire.services.access")
    assert layer_of("questionnaire.services.access") < layer_of("questionnaire.db")
    assert layer_of("questionnaire") < layer_of("questionnaire.views") < layer_of("questionnaire.reports.pdf")


def test_services_know_no_http() -> None:
    """Statuses are decided at the views' edge (views.common.STATUS_OF), never in a service."""
    for path in (ROOT / "questionnaire" / "services").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        attributes = {
            t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
        }
        assert "status" not in attributes, f"{path.name} sets an HTTP status"
        assert not {"request", "abort", "jsonify"} & names, f"{path.name} uses the request or the response"
        assert "werkzeug" not in text and "from flask import" not in text.replace("from flask import current_app", "")


def test_every_failure_of_a_use_case_has_a_status_at_the_edge() -> None:
    from questionnaire import offline
    from questionnaire.services import errors
    from questionnaire.views.common import status_of

    failures = [
        getattr(errors, name)
        for name in dir(errors)
        if isinstance(getattr(errors, name), type) and issubclass(getattr(errors, name), errors.ServiceError)
    ]
    failures += [offline.WorkbookRefused, offline.WorkbookTooLarge]
    for kind in failures:
        if kind is errors.ServiceError:
            continue
        error = kind.__new__(kind)
        assert status_of(error) in (403, 404, 409, 413, 422), kind.__name__
    assert status_of(errors.CycleExists.__new__(errors.CycleExists)) == 409
    assert status_of(errors.EmptyComment.__new__(errors.EmptyComment)) == 422
