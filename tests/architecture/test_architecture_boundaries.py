"""Services never import each other; the chassis and contracts import no service."""

from __future__ import annotations

import ast
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


@pytest.mark.parametrize("package", sorted(set(SERVICES) - {"gateway"}))
def test_each_service_has_the_house_layout(package: str) -> None:
    folder = SERVICES[package]
    source = folder / "src" / package
    for name in ("app.py", "settings.py", "__main__.py"):
        assert (source / name).is_file(), f"{package} lacks {name}"
    assert (folder / "migrations" / "env.py").is_file()
    assert list((folder / "migrations" / "versions").glob("*.py")), f"{package} has no migration"
    # A package with its own app.py (payment's sandbox provider) is an app of its own, not a feature.
    features = (p for p in source.iterdir() if (p / "router.py").exists() and not (p / "app.py").exists())
    for feature in features:
        for name in ("router.py", "schemas.py", "models.py", "repository.py", "errors.py"):
            assert (feature / name).is_file(), f"{package}.{feature.name} lacks {name}"
        # A large feature's use cases may be a package of modules, one per use case.
        service = (feature / "service.py").is_file() or (feature / "service" / "__init__.py").is_file()
        assert service, f"{package}.{feature.name} lacks service.py"


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
