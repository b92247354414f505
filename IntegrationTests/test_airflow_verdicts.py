"""`cfg check` against Airflow's own verdict (`make test-airflow`, on Airflow 3.3.2 and 2.10.5).

Where `cfg check` says a value is wrongly typed, Airflow rejects it, and where Airflow rejects a value, `cfg check`
says so: a table of boolean, integer, float and enumeration values, each written into a settings template, is
checked by `cfg check`, rendered by `cfg render`, and the rendered value is read by Airflow the way its code reads
it (conf.getboolean, getint, getfloat, the enumeration validation of conf.validate(), get_fernet() for
[core] fernet_key: dev/airflow-verdict.py). The options are Airflow's own, by the type its configuration description
gives. An unknown option is one Airflow does not know and whose intended setting does not take effect; a moved option
is one Airflow still reads under its old name, with a warning. cfg's list of enumerations is Airflow's.
"""
import base64
import json
import os
import re

import pytest
from conftest import ROOT, Project
from test_airflow_judge import VENVS, Airflow, check_outputs, venv_for

VERDICT = os.path.join(ROOT, "dev", "airflow-verdict.py")
SCHEMA = os.path.join(ROOT, "Sources", "CfgConfig", "Airflow", "AirflowSchemaData.swift")
TYPE_CODES = {"invalid-boolean", "invalid-integer", "invalid-float", "invalid-enumeration", "invalid-fernet-key"}

# Values as a template line holds them (cfg trims around `=`); Airflow reads what cfg rendered.
VALUES = {
    "boolean": ["True", "t", "1", "F", "0", "false", "FALSE", "yes", "on", "2", "tru e", "true # comment",
                "#true", "f#x", "", "\u0661", "none"],
    "integer": ["8", "+8", "-0", "1_000", "1__0", "_1", "0x10", "8.0", "\u0663", "\uff11\uff12", "", "1e3",
                "08", "- 8", "9" * 40],
    "float": ["1.5", "1e3", ".5", "1.", "inf", "-Infinity", "nan", "NaN", "1_0.5", "1.5.", "e3", "0x1p3", "",
              "\uff11.5", "1e", "+.e1", "1_e3", "\u0665e-1"],
}


def fernet_key(byte):
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


FERNET = [
    fernet_key(1),
    fernet_key(1) + "," + fernet_key(2),
    fernet_key(1) + ",",
    base64.urlsafe_b64encode(b"\x01" * 31).decode(),
    "not a key",
    fernet_key(0xFB),  # URL-safe alphabet: `-` and `_`
]
# Keys some Airflow accepts that cfg refuses on purpose (docs/check.md): cfg wants Fernet.generate_key()'s form.
# With Airflow 2.10.5's cryptography (42) the standard base64 alphabet and characters Python's base64 skips pass;
# with Airflow 3.3.2's (51) a key without its `=` passes, and with 2.10.5's one with an extra `=`.
FERNET_STRICTER = [
    fernet_key(1) + "=",
    base64.b64encode(b"\xfb" * 32).decode(),
    fernet_key(1) + ", " + fernet_key(2),
    fernet_key(1)[:-1],
]


def airflow_python(airflow, *argv):
    airflow.run("python", VERDICT, *argv)


class Judge:
    """One Airflow line: its options by type, and a project whose `verdict` environment declares that line."""

    def __init__(self, major, tmp_path_factory):
        self.major = major
        self.airflow = Airflow(venv_for(major), tmp_path_factory.mktemp("verdict%d-home" % major))
        path = os.path.join(self.airflow.home, "options.json")
        airflow_python(self.airflow, "options", path, "--providers")
        with open(path, encoding="utf-8") as handle:
            self.options = json.load(handle)
        self.project = Project(tmp_path_factory.mktemp("verdict%d-project" % major))
        self.project.write(
            "environments/verdict.yaml",
            'airflow_version: "%s"\nbackend: { type: local }\nsettings: [templates/verdict.cfg.tmpl]\n'
            "outputs:\n  - { kind: env, path: verdict.env }\n" % ("3.3" if major == 3 else "2.10"),
        )
        self.project.cfg("init", "verdict")

    def typed(self, kind):
        """Options Airflow types as `kind`, in sections of its core schema, that no enumeration covers."""
        enums = {(section, key) for section, key, _ in self.options["enumerations"]}
        return [
            (section, key) for section, key in self.options["by_type"][kind]
            if (section, key) not in enums and not key.endswith(("_cmd", "_secret"))
        ]

    def run(self, lines):
        """cfg's findings by template line, the rendered block, for settings [(section, key, value)]."""
        text, positions, section_now = [], {}, None
        for section, key, value in lines:
            if section != section_now:
                text.append("[%s]" % section)
                section_now = section
            text.append("%s = %s" % (key, value))
            positions[(section, key)] = len(text)
        self.project.write("templates/verdict.cfg.tmpl", "\n".join(text) + "\n")
        result = self.project.cfg("check", "verdict", "--format", "json", check=False)
        assert result.returncode in (0, 65), result.stderr.decode()
        findings = {}
        for finding in json.loads(result.stdout)["findings"]:
            findings.setdefault(finding["line"], set()).add(finding["code"])
        rendered = self.project.cfg("render", "verdict", check=False)
        assert rendered.returncode == 0, rendered.stderr.decode()
        block = check_outputs.read_env_block(self.project.path("out", "verdict", "verdict.env"))
        return {key: findings.get(line, set()) for key, line in positions.items()}, block

    def verdicts(self, cases):
        cases_path = os.path.join(self.airflow.home, "cases.json")
        out_path = os.path.join(self.airflow.home, "verdicts.json")
        with open(cases_path, "w", encoding="utf-8") as handle:
            json.dump(cases, handle)
        airflow_python(self.airflow, "judge", cases_path, out_path)
        with open(out_path, encoding="utf-8") as handle:
            return json.load(handle)


@pytest.fixture(scope="module", params=sorted(VENVS, reverse=True), ids=lambda major: "airflow%d" % major)
def judge(request, tmp_path_factory):
    return Judge(request.param, tmp_path_factory)


def variable(section, key):
    return "AIRFLOW__%s__%s" % (section.upper(), key.upper())


def compare(judge, kind, settings):
    """For settings [(section, key, value)]: each value's cfg verdict and Airflow's, as (value, cfg, airflow)."""
    codes, block = judge.run(settings)
    cases = []
    for section, key, _ in settings:
        cases.append({"section": section, "key": key, "value": block[variable(section, key)], "kind": kind})
    verdicts = judge.verdicts(cases)
    rows = []
    for (section, key, value), verdict in zip(settings, verdicts):
        flagged = bool(codes[(section, key)] & TYPE_CODES)
        rows.append(("[%s] %s = %r" % (section, key, value), flagged, verdict["rejected"]))
    return rows


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_cfg_flags_a_typed_value_exactly_when_airflow_rejects_it(judge, kind):
    options = judge.typed(kind)
    values = VALUES[kind]
    assert len(options) >= 8, "Airflow %d has too few %s options" % (judge.major, kind)
    rows = []
    for start in range(0, len(values), len(options)):  # a round per as many values as there are options
        chunk = values[start : start + len(options)]
        rows += compare(judge, kind, sorted((section, key, value) for (section, key), value in zip(options, chunk)))
    assert len(rows) == len(values)
    assert any(rejected for _, _, rejected in rows) and not all(rejected for _, _, rejected in rows)
    assert [row for row in rows if row[1] != row[2]] == []


def test_cfg_flags_an_enumeration_value_exactly_when_airflow_rejects_it(judge):
    rounds = {}
    for section, key, allowed in judge.options["enumerations"]:
        candidates = [allowed[-1], allowed[-1].lower(), allowed[-1].upper(), allowed[-1] + "x", "", "none"]
        for index, value in enumerate(dict.fromkeys(candidates)):
            rounds.setdefault(index, []).append((section, key, value))
    known = set(map(tuple, judge.options["by_type"]["string"]))
    checked = 0
    for settings in rounds.values():
        # Airflow also validates two options its own schema no longer has (gen-airflow-schema.py): cfg calls them
        # unknown, so they are left out here.
        settings = sorted(setting for setting in settings if setting[:2] in known)
        for description, flagged, rejected in compare(judge, "enumeration", settings):
            assert flagged == rejected, description
            checked += 1
    assert checked >= 20


def cfg_schema(major):
    """cfg's schema of Airflow `major` (AirflowSchemaData.swift): {section: {option: (type letter, sensitive,
    enumeration or None)}} and the moves {(old section, old key): (new section, new key)}."""
    with open(SCHEMA, encoding="utf-8") as handle:
        text = handle.read()
    tables = {block.split()[0].split(".")[0]: block.split('"""#')[0] for block in text.split("        version ")[1:]}
    sections, moves, section = {}, {}, None
    for row in tables[str(major)].splitlines()[1:]:
        row = row.strip()
        if row.startswith("[") and row.endswith("]"):
            section = row[1:-1]
            sections[section] = {}
        elif row.startswith("> "):
            old, new = row.split()[1:3]
            moves[tuple(old.split(".", 1))] = tuple(new.split(".", 1))
        elif row and not row.startswith("? "):
            match = re.match(r"^([\w-]+) (e:(\S+?)|[sbif])(\*?)(?: |$)", row)
            assert match, row
            enumeration = sorted(match.group(3).split("|")) if match.group(3) else None
            letter = "s" if enumeration else match.group(2)
            sections[section][match.group(1)] = (letter, match.group(4) == "*", enumeration)
    return sections, moves


def test_cfg_knows_the_options_airflow_knows_with_their_type_and_sensitivity(judge):
    """Each section of cfg's schema holds exactly Airflow's options, typed alike, sensitive alike (what `cfg check`
    relies on for unknown options, types, sensitive literals and _cmd/_secret variants)."""
    sections, _ = cfg_schema(judge.major)
    described = judge.options["described"]
    letters = {"string": "s", "boolean": "b", "integer": "i", "float": "f"}
    for section, options in sections.items():
        theirs = described.get(section) or {}
        if section.startswith("celery"):
            # The Celery provider's sections come from provider 3.26.0; Airflow 2.10.5's constraints install an
            # older provider (3.13.1), which lacks some of them: cfg knows more there, never less.
            assert set(theirs) <= set(options), section
            if judge.major == 2:
                options = {key: value for key, value in options.items() if key in theirs}
        assert sorted(options) == sorted(theirs), section
        assert {key: value[:2] for key, value in options.items()} == {
            key: (letters[entry["type"]], entry["sensitive"]) for key, entry in theirs.items()
        }, section
    # Sections cfg leaves out come from providers its schema does not hold (a warning, not a check).
    assert {"core", "database", "logging", "scheduler", "celery", "smtp" if judge.major == 2 else "api"} <= set(
        sections
    )


def test_cfg_moves_options_as_airflow_does(judge):
    """Each old name Airflow still reads leads, in cfg's schema, to the name Airflow reads it for (chains followed)."""
    _, moves = cfg_schema(judge.major)
    theirs = {(old_s, old_k): (new_s, new_k) for old_s, old_k, new_s, new_k in judge.options["moves"]}
    resolved = {}
    for old, target in theirs.items():
        seen = {old}
        while target in theirs and target not in seen:
            seen.add(target)
            target = theirs[target]
        resolved[old] = target
    assert moves == resolved


def test_cfg_knows_every_enumeration_airflow_validates_and_no_other(judge):
    """cfg's schema types exactly Airflow's validated enumerations (of options its schema has) as enumerations."""
    sections, _ = cfg_schema(judge.major)
    ours = {
        (section, key): value[2] for section, options in sections.items() for key, value in options.items() if value[2]
    }
    known = set(map(tuple, judge.options["by_type"]["string"]))
    theirs = {
        (section, key): sorted(value for value in allowed if value)
        for section, key, allowed in judge.options["enumerations"] if (section, key) in known
    }
    assert ours == theirs


def test_cfg_never_accepts_a_fernet_key_airflow_rejects(judge):
    rounds = [[("core", "fernet_key", value)] for value in FERNET + FERNET_STRICTER]
    verdicts = []
    for settings in rounds:
        verdicts += compare(judge, "fernet", settings)
    by_value = dict(zip(FERNET + FERNET_STRICTER, verdicts))
    assert [row for row in verdicts if row[2] and not row[1]] == [], "cfg accepts a key Airflow rejects"
    assert [row for value, row in by_value.items() if value in FERNET and row[1] != row[2]] == []
    assert [row for value, row in by_value.items() if value in FERNET_STRICTER and not row[1]] == []
    assert any(row[2] for row in verdicts) and not all(row[2] for row in verdicts)


def test_an_unknown_option_is_one_airflow_does_not_know_and_does_not_apply(judge):
    codes, block = judge.run([("core", "paralelism", "8")])
    assert codes[("core", "paralelism")] == {"unknown-option"}
    verdict = judge.verdicts([
        {"section": "core", "key": "paralelism", "value": block["AIRFLOW__CORE__PARALELISM"], "kind": "option"},
        {"section": "core", "key": "parallelism", "value": "8", "kind": "integer"},
    ])
    assert verdict[0]["known"] is False
    # The intended option keeps its default: reading [core] parallelism does not see the misspelt 8.
    probe = judge.airflow.run(
        "python", "-c", "from airflow.configuration import conf; print(conf.getint('core', 'parallelism'))",
        block=block,
    )
    assert probe.stdout.strip().splitlines()[-1] != "8"


def test_a_moved_option_is_still_read_under_its_old_name_with_a_warning(judge):
    value = "sqlite:////tmp/cfg-verdict-moved.db"
    codes, block = judge.run([("core", "sql_alchemy_conn", value)])
    assert "moved-option" in codes[("core", "sql_alchemy_conn")]
    verdict = judge.verdicts([{
        "section": "core", "key": "sql_alchemy_conn", "value": block["AIRFLOW__CORE__SQL_ALCHEMY_CONN"],
        "kind": "moved", "to_section": "database", "to_key": "sql_alchemy_conn",
    }])[0]
    assert verdict == {"read": True, "warned": True}
