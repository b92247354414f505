#!/usr/bin/env python3
"""Generates Sources/CfgConfig/Airflow/AirflowSchemaData.swift from Airflow's official configuration files.

Usage: python3 dev/gen-airflow-schema.py [--check]

Reads ../shared/vectors/airflow-config beside the checkout (or $CFG_SHARED_DIR/vectors/airflow-config):
apache-airflow-2.10.5.config.yml, apache-airflow-core-3.3.2.config.yml, the Celery provider's options
(apache-airflow-providers-celery-3.26.0.config.json, added to both lines as Airflow's ProvidersManager adds them),
deprecated-options.json (AirflowConfigParser.deprecated_options of each line) and sensitive-keys.json (cross-checked
against the `sensitive: true` flags). `--check` compares instead of writing and exits 1 when the file differs.

The output is one compact text per Airflow line, indexed in place by AirflowSchema at first use (an option is read
when it is looked up; the index sorts each list by its names' bytes):
  version 3.3.2                       the schema's Airflow version
  [section]                           a section; the options below belong to it
  name T[*][ +ADDED][ !DEPRECATED]    T: s string, b boolean, i integer, f float, e:A|B enumeration;
                                      * sensitive; +ADDED version_added; !DEPRECATED version_deprecated
  > old.key new.key SINCE             a moved option (deprecated_options), chains resolved to the last name
  ? section                           a section a move points to that comes from a provider not in the schema

Enumerations are not in config.yml: Airflow validates them in code (AirflowConfigParser.enums_options, checked by
_validate_enums), read from apache/airflow airflow/configuration.py (2.x) and
airflow-core/src/airflow/configuration.py (3.x) of the versions above; they are copied below, and
IntegrationTests/test_airflow_verdicts.py compares them with the installed Airflow's. mp_start_method's list (2.x
only) is multiprocessing.get_all_start_methods() on Linux. Both lines also list [webserver] analytical_tool, and 3.x
[logging] gunicorn_logging_level: options their config.yml does not have, so they are left out.
"""
import json
import os
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SHARED = os.path.abspath(os.environ.get("CFG_SHARED_DIR") or os.path.join(ROOT, "..", "shared"))
VECTORS = os.path.join(SHARED, "vectors", "airflow-config")
OUTPUT = os.path.join(ROOT, "Sources", "CfgConfig", "Airflow", "AirflowSchemaData.swift")
CELERY = "apache-airflow-providers-celery-3.26.0.config.json"

LOG_LEVELS = ["CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG"]
COMMON_ENUMS = {
    ("core", "default_task_weight_rule"): ["absolute", "downstream", "upstream"],
    ("core", "dag_ignore_file_syntax"): ["regexp", "glob"],
    ("logging", "logging_level"): LOG_LEVELS,
    ("logging", "fab_logging_level"): LOG_LEVELS,
    # Airflow also accepts "" (fall back to logging_level); empty values are never checked against enumerations.
    ("logging", "celery_logging_level"): LOG_LEVELS,
}
ENUMS = {
    "2": {
        **COMMON_ENUMS,
        ("core", "mp_start_method"): ["fork", "spawn", "forkserver"],
        ("scheduler", "file_parsing_sort_mode"): ["modified_time", "random_seeded_by_host", "alphabetical"],
    },
    "3": {
        **COMMON_ENUMS,
        ("dag_processor", "file_parsing_sort_mode"): ["modified_time", "random_seeded_by_host", "alphabetical"],
        ("logging", "uvicorn_logging_level"): LOG_LEVELS,
        ("api", "grid_view_sorting_order"): ["topological", "hierarchical_alphabetical"],
        ("logging", "dag_processor_log_target"): ["file", "stdout"],
    },
}
LINES = [
    ("2", "2.10.5", "apache-airflow-2.10.5.config.yml", "apache-airflow==2.10.5"),
    ("3", "3.3.2", "apache-airflow-core-3.3.2.config.yml", "apache-airflow-core==3.3.2"),
]
TYPES = {"string": "s", "boolean": "b", "integer": "i", "float": "f"}


def load(name):
    with open(os.path.join(VECTORS, name), encoding="utf-8") as handle:
        return yaml.safe_load(handle) if name.endswith(".yml") else json.load(handle)


def keyed(document, prefix):
    """The list of a JSON document whose key starts with prefix."""
    matches = [value for key, value in document.items() if key.startswith(prefix)]
    if len(matches) != 1:
        sys.exit("gen-airflow-schema: expected one entry starting with %r" % prefix)
    return matches[0]


def schema_text(major, version, config_name, label, deprecated, sensitive_lists):
    sections = dict(load(config_name))
    for section, body in load(CELERY).items():
        if section in sections:
            sys.exit("gen-airflow-schema: the Celery provider redefines [%s]" % section)
        sections[section] = body
    enums = ENUMS[major]
    sensitive = set()
    lines = ["version " + version]
    for section in sorted(sections):
        lines.append("[%s]" % section)
        options = (sections[section] or {}).get("options") or {}
        for name in sorted(options):
            option = options[name]
            kind = TYPES[option["type"]]
            if (section, name) in enums:
                if kind != "s":
                    sys.exit("gen-airflow-schema: enumeration on a non-string option %s.%s" % (section, name))
                kind = "e:" + "|".join(enums[(section, name)])
            if option.get("sensitive") is True:
                kind += "*"
                sensitive.add("%s.%s" % (section, name))
            if option.get("version_added"):
                kind += " +" + str(option["version_added"])
            if option.get("version_deprecated"):
                kind += " !" + str(option["version_deprecated"])
            lines.append("%s %s" % (name, kind))
    missing = [key for key in enums if key[1] not in ((sections.get(key[0]) or {}).get("options") or {})]
    if missing:
        sys.exit("gen-airflow-schema: enumerations for options the schema lacks: %r" % missing)
    # The derived list must agree with the flags (FACTS §6).
    listed = set(keyed(sensitive_lists, label)) | set(keyed(sensitive_lists, "apache-airflow-providers-celery"))
    if listed != sensitive:
        sys.exit("gen-airflow-schema: sensitive-keys.json disagrees with config.yml: %r" % (listed ^ sensitive))
    moves = {(m["old_section"], m["old_key"]): ((m["new_section"], m["new_key"]), m["since"]) for m in deprecated}
    unchecked = set()
    for old in sorted(moves):
        target, since = moves[old]
        seen = {old}
        while target in moves and target not in seen:
            seen.add(target)
            target = moves[target][0]
        if target[0] not in sections:
            unchecked.add(target[0])
        lines.append("> %s.%s %s.%s %s" % (old[0], old[1], target[0], target[1], since))
    for section in sorted(unchecked):
        lines.append("? " + section)
    return "\n".join(lines)


def generate():
    deprecated = load("deprecated-options.json")
    sensitive_lists = load("sensitive-keys.json")
    out = [
        "// Generated by dev/gen-airflow-schema.py from the official Airflow configuration files in",
        "// ../shared/vectors/airflow-config; do not edit. Regenerate: python3 dev/gen-airflow-schema.py",
        "// Format: the docstring of dev/gen-airflow-schema.py.",
        "",
        "extension AirflowSchema {",
    ]
    for major, version, config_name, label in LINES:
        text = schema_text(
            major, version, config_name, label, keyed(deprecated, label), sensitive_lists
        )
        out.append("    /// Airflow %s with the Celery provider 3.26.0." % version)
        out.append('    static let airflow%sData = #"""' % major)
        out.extend(("        " + line) for line in text.split("\n"))
        out.append('        """#')
        if major != LINES[-1][0]:
            out.append("")
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    if not os.path.isdir(VECTORS):
        sys.exit("gen-airflow-schema: %s is missing (clone next to shared/, or set CFG_SHARED_DIR)" % VECTORS)
    text = generate()
    if sys.argv[1:] == ["--check"]:
        with open(OUTPUT, encoding="utf-8") as handle:
            if handle.read() != text:
                sys.exit("gen-airflow-schema: %s is out of date; run python3 dev/gen-airflow-schema.py" % OUTPUT)
        return
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
