"""The packages stack one way (README, Development): a module imports only its own layer and those below,
and only the Slack-facing layers import Slack's libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["storage", "bot", "blocks", "slackapi", "handlers", "runtime"]
SLACK_LIBRARIES = ("slack_sdk", "slack_bolt")
MAY_IMPORT_SLACK = {"blocks", "slackapi", "handlers", "runtime"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = [path for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py"))]


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_module_imports_nothing_from_a_layer_above_it(path: Path):
    own = LAYERS.index(path.relative_to(ROOT).parts[0])
    above = {name for name in imported(path) if name.split(".")[0] in LAYERS[own + 1 :]}
    assert not above, f"{path.relative_to(ROOT)} imports upward: {sorted(above)}"


RULES_AND_STORAGE = [path for path in MODULES if path.relative_to(ROOT).parts[0] not in MAY_IMPORT_SLACK]


@pytest.mark.parametrize("path", RULES_AND_STORAGE, ids=lambda path: str(path.relative_to(ROOT)))
def test_only_the_slack_facing_layers_import_slack(path: Path):
    slack = {name for name in imported(path) if name.split(".")[0] in SLACK_LIBRARIES}
    assert not slack, f"{path.relative_to(ROOT)} imports {sorted(slack)}"
