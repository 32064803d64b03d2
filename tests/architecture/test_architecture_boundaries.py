"""Services never import each other; the chassis and contracts import no service; the layer contracts hold."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "catalog_svc": ROOT / "catalog-svc",
    "dossier_svc": ROOT / "dossier-svc",
    "payment_svc": ROOT / "payment-svc",
    "notify_svc": ROOT / "notify-svc",
    "gateway": ROOT / "gateway",
}
SHARED = ROOT / "shared" / "src"


def imported_packages(path: Path) -> set[str]:
    """Top-level packages that the Python files under ``path`` import."""
    found: set[str] = set()
    for file in path.rglob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_a_service_imports_no_other_service(package: str) -> None:
    others = set(SERVICES) - {package}
    leaked = imported_packages(SERVICES[package]) & others
    assert not leaked, f"{package} imports {sorted(leaked)}: cross a service boundary by event or HTTP"


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_a_service_does_not_depend_on_the_command(package: str) -> None:
    source = SERVICES[package] / "src"
    assert "motcua" not in imported_packages(source), f"{package} imports the motcua command"


def test_shared_imports_no_service() -> None:
    leaked = imported_packages(SHARED) & (set(SERVICES) | {"motcua"})
    assert not leaked, f"motcua_shared imports {sorted(leaked)}"


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from dossier_svc.app import create_app\nimport payment_svc\n")
    assert {"dossier_svc", "payment_svc"} <= imported_packages(tmp_path)


def lint_imports(*, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the layer contracts of the root ``pyproject.toml``."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
    return subprocess.run(
        [*command, str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_layer_contracts_are_kept() -> None:
    result = lint_imports(cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


#: A tree that breaks every contract once: module path -> its source.
BROKEN_TREE = {
    "catalog_svc/__init__.py": "",
    "catalog_svc/things/__init__.py": "",
    "catalog_svc/things/repository.py": "",
    "catalog_svc/things/router.py": "from catalog_svc.things import repository\n",
    "catalog_svc/things/service.py": "from catalog_svc.things import router\n",
    "catalog_svc/app.py": "import dossier_svc\nimport motcua\n",
    "dossier_svc/__init__.py": "",
    "payment_svc/__init__.py": "",
    "notify_svc/__init__.py": "",
    "gateway/__init__.py": "",
    "motcua/__init__.py": "",
    "motcua_shared/__init__.py": "",
    "motcua_shared/chassis.py": "import payment_svc\n",
}


def test_the_contracts_catch_each_kind_of_violation(tmp_path: Path) -> None:
    for name, source in BROKEN_TREE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source, encoding="utf-8")
    result = lint_imports(cwd=tmp_path, pythonpath=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Contracts: 0 kept, 5 broken." in result.stdout, result.stdout
    for edge in (
        "catalog_svc.things.router -> catalog_svc.things.repository",
        "catalog_svc.things.service -> catalog_svc.things.router",
        "catalog_svc.app -> dossier_svc",
        "catalog_svc.app -> motcua",
        "motcua_shared.chassis -> payment_svc",
    ):
        assert edge in result.stdout, (edge, result.stdout)


def wait_for_calls(path: Path) -> list[str]:
    """``file:line`` of every ``asyncio.wait_for(…)`` call in the Python files under ``path``."""
    found: list[str] = []
    for file in path.rglob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wait_for"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "asyncio"
            ):
                found.append(f"{file.relative_to(path)}:{node.lineno}")
    return found


def test_no_code_waits_with_asyncio_wait_for() -> None:
    # On Python 3.11, wait_for swallows a cancellation that arrives as the awaited thing completes: a
    # background loop cancelled just as it was woken ran on for ever and hung the platform's shutdown.
    # Use asyncio.timeout, or motcua_shared.chassis.background.wait_event.
    sources = [SHARED, ROOT / "services" / "src", *(folder / "src" for folder in SERVICES.values())]
    assert [call for source in sources for call in wait_for_calls(source)] == []


def test_the_wait_for_check_sees_a_call(tmp_path: Path) -> None:
    (tmp_path / "loop.py").write_text(
        "import asyncio\nasync def f(e):\n    await asyncio.wait_for(e.wait(), 1)\n"
    )
    assert len(wait_for_calls(tmp_path)) == 1
