"""The house's shape, checked by import-linter with the contracts in pyproject.toml: nothing below the views
imports Flask or werkzeug; models <- gis <- portal.services <- blueprints; no blueprint imports another; the
app never imports devtools; no import cycles in portal, gis or models."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = ["Nothing below the views imports Flask", "Layers: models <- gis <- portal.services <- blueprints",
             "No blueprint imports another", "The app never imports the development tooling",
             "No import cycles among portal's modules and packages"]


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_every_architecture_contract_is_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    for name in CONTRACTS:
        assert f"{name} KEPT" in result.stdout, name
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


def test_a_broken_contract_fails_the_check(tmp_path):
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["portal"]\ninclude_external_packages = true\n\n'
                      '[[tool.importlinter.contracts]]\nname = "The app factory without Flask"\n'
                      'type = "forbidden"\nsource_modules = ["portal.app"]\nforbidden_modules = ["flask"]\n')
    result = lint_imports("--config", str(config))
    assert result.returncode == 1 and "The app factory without Flask BROKEN" in result.stdout
    assert "portal.app -> flask" in result.stdout
