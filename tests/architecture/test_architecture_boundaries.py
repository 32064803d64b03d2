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
    for feature in (p for p in source.iterdir() if p.is_dir() and (p / "router.py").exists()):
        for name in ("router.py", "schemas.py", "models.py", "repository.py", "service.py", "errors.py"):
            assert (feature / name).is_file(), f"{package}.{feature.name} lacks {name}"
