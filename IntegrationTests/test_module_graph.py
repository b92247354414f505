"""The module graph stays what docs/development.md draws: every `import` line in Sources/ is checked against the
layer picture there (a target imports only lower layers, never a sibling of its own group), and no backend imports
the environment-file module or another backend. Pure Python: no binary, no server."""
import os
import re

import pytest

from conftest import ROOT

DOC = os.path.join(ROOT, "docs", "development.md")
SOURCES = os.path.join(ROOT, "Sources")
# Beside the layers: they may import any layered target except the executable, and nothing layered imports them.
BESIDE = {"CfgFuzz", "cfg-fuzz", "CfgTestSupport"}
BACKENDS = {"CfgLocal", "CfgVault", "CfgAWS"}
IMPORT = re.compile(r"^\s*(?:@\w+\s+)*(?:public |package |internal |private |fileprivate )?import\s+(\w+)", re.M)


def layer_picture():
    """Rank of each target: (layer, group within the layer) from the illustration in docs/development.md."""
    text = open(DOC, encoding="utf-8").read()
    start = text.index("```text illustration\n10  cfg")
    block = text[start:text.index("```", start + 3)].split("\n")[1:]
    ranks = {}
    for line in block:
        match = re.match(r"^\s*(\d+)\s+(.*?)(?:\s{2,}.*)?$", line)
        if not match:
            continue
        layer = int(match.group(1))
        for group_index, group in enumerate(match.group(2).split("◀")):
            for name in group.split("·"):
                ranks[name.strip()] = (layer, group_index)
    return ranks


def imports_of(target):
    """The modules a target's Swift and C files import."""
    found = set()
    for folder, _, files in os.walk(os.path.join(SOURCES, target)):
        for name in files:
            if name.endswith(".swift"):
                found |= set(IMPORT.findall(open(os.path.join(folder, name), encoding="utf-8").read()))
    return found


def targets():
    return sorted(name for name in os.listdir(SOURCES) if os.path.isdir(os.path.join(SOURCES, name)))


def test_every_target_is_in_the_picture():
    ranks = layer_picture()
    missing = [target for target in targets() if target not in ranks and target not in BESIDE]
    assert not missing, "targets not drawn in docs/development.md: %s" % missing


@pytest.mark.parametrize("target", targets())
def test_imports_point_down(target):
    ranks = layer_picture()
    ours = set(targets())
    wrong = []
    for module in sorted(imports_of(target) & ours):
        if module == target:
            continue
        if target in BESIDE:
            if module == "cfg":
                wrong.append(module)
            continue
        if module in BESIDE or ranks[module] >= ranks[target]:
            wrong.append(module)
    assert not wrong, "%s imports %s, which docs/development.md does not allow" % (target, wrong)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_backend_imports_neither_the_environment_file_nor_another_backend(backend):
    forbidden = (BACKENDS - {backend}) | {"CfgConfig", "CfgEngine"}
    assert not imports_of(backend) & forbidden


def test_the_rotation_protocol_stays_pure():
    # The staged protocol is a state machine over version ids and labels: no environment file, no engine, no I/O.
    assert not imports_of("CfgRotation") & {"CfgConfig", "CfgEngine", "CfgHTTP", "CfgLocal", "CfgVault", "CfgAWS"}


def test_the_checker_sees_a_wrong_import():
    ranks = layer_picture()
    # CfgVault importing CfgAWS (a sibling) or CfgConfig (a higher layer) is what the picture forbids.
    assert ranks["CfgAWS"] >= ranks["CfgVault"]
    assert ranks["CfgConfig"] >= ranks["CfgVault"]
    assert ranks["CfgEngine"] > ranks["CfgRender"] > ranks["CfgConfig"]
    assert IMPORT.findall("package import CfgAWS\n@preconcurrency import Foundation\n") == ["CfgAWS", "Foundation"]
