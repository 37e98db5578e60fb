"""Apps depend one way: customers <- sales <- analytics <- coupons <- cockpit (issue 20 item 4).

Every module of every app is parsed (no import runs) and every import statement in it is read, the ones inside
functions too, where a cycle hides best. A lower app importing a higher one fails the test with file:line.
config/ is not an app: its settings and URLconfs sit above all apps; the modules of it that apps import (money,
errors, ...) must import no app above the one that uses them, or they would carry a cycle through config.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["customers", "sales", "analytics", "coupons", "cockpit"]
RANK = {app: rank for rank, app in enumerate(ORDER)}


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every absolute import in the file, at any depth; `from . import x` stays in the app."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def modules(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def upward(app: str) -> list[str]:
    """'file:line imports module' for each import of an app above `app`."""
    found = []
    for path in modules(app):
        for line, module in imported(path):
            top = module.split(".")[0]
            if RANK.get(top, -1) > RANK[app]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("app", ORDER)
def test_no_app_imports_a_higher_one(app):
    assert upward(app) == []


def test_config_modules_an_app_imports_import_no_higher_app():
    """config/health.py may read coupons (the cockpit's check_pipeline uses it), so only the cockpit may use it."""
    problems = []
    for app in ORDER:
        for path in modules(app):
            for line, module in imported(path):
                target = ROOT / (module.replace(".", "/") + ".py")
                if not module.startswith("config.") or not target.exists():
                    continue
                problems += [f"{path.relative_to(ROOT)}:{line} imports {module}, which imports {name}"
                             for _line, name in imported(target) if RANK.get(name.split(".")[0], -1) > RANK[app]]
    assert problems == []


def test_core_sits_below_every_app_and_config():
    """core/ (the domain error, money, strict API fields, triggers) imports no app and nothing of config: the pure
    engine imports core.exceptions, and importing config would start Django and Celery with it."""
    found = [f"{path.relative_to(ROOT)}:{line} imports {module}" for path in modules("core")
             for line, module in imported(path) if module.split(".")[0] in (*ORDER, "config")]
    assert found == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    """The reader finds a function-local import (where cycles hide) and ignores relative ones."""
    source = tmp_path / "m.py"
    source.write_text("from . import x\n\ndef f():\n    from cockpit.selectors import customers\n")
    assert list(imported(source)) == [(4, "cockpit.selectors")]
