"""Airflow's own verdict on configuration values, for IntegrationTests/test_airflow_verdicts.py: run by an Airflow
virtual environment's Python with AIRFLOW_HOME in a temporary directory and no database; nothing connects anywhere.

    python airflow-verdict.py options OUT.json
        the options Airflow's configuration description knows, by type (boolean, integer, float, string) and by
        section (with their type and whether Airflow treats them as sensitive), the options it validates as
        enumerations, with their allowed values, and the options it still reads under an old name
    python airflow-verdict.py judge CASES.json OUT.json
        CASES.json: [{"section", "key", "value", "kind"}] with kind boolean, integer, float, enumeration, fernet,
        option or moved (then also "to_section", "to_key"); OUT.json: one verdict per case, in order:
        {"rejected": bool, "error": exception class or null} (option: "known" and "effective", whether reading the
        option with Airflow's own type returns the value set; moved: "read", whether the new name reads the value
        set under the old one, and "warned").

Each case's value is set as AIRFLOW__SECTION__KEY, alone, then read the way Airflow's code reads it: conf.getboolean,
getint, getfloat, the enumeration validation conf.validate() runs (_validate_enums), and get_fernet() for
[core] fernet_key. The values are test data, not secrets; still, only verdicts are written, never a value.
"""
import json
import os
import sys
import warnings


def variable(section, key):
    return "AIRFLOW__%s__%s" % (section.upper().replace(".", "_"), key.upper())


def options(conf, out):
    # Airflow 3 describes its providers' options at import; Airflow 2 once the providers manager loads them.
    if len(sys.argv) > 3 and sys.argv[3] == "--providers":
        from airflow.providers_manager import ProvidersManager

        ProvidersManager().initialize_providers_configuration()
    by_type, described = {}, {}
    for section, entry in conf.configuration_description.items():
        for key, option in (entry.get("options") or {}).items():
            if "type" not in option:
                # Only a fallback default (provider_config_fallback_defaults.cfg), such as Airflow 3's
                # [celery] worker_precheck, which no code of Airflow or its Celery provider reads.
                continue
            kind = option["type"]
            by_type.setdefault(kind, []).append([section, key])
            described.setdefault(section, {})[key] = {
                "type": kind,
                "sensitive": (section, key) in conf.sensitive_config_values,
            }
    enums = [[section, key, sorted(allowed)] for (section, key), allowed in conf.enums_options.items()]
    moves = [
        [old_section, old_key, new_section, new_key]
        for (new_section, new_key), (old_section, old_key, _) in conf.deprecated_options.items()
    ]
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"by_type": by_type, "described": described, "enumerations": enums, "moves": moves}, handle)


def fernet_verdict():
    from airflow.models import crypto

    if hasattr(crypto.get_fernet, "cache_clear"):  # 3.x: functools.cache
        crypto.get_fernet.cache_clear()
    else:  # 2.x: a module global
        crypto._fernet = None  # pylint: disable=protected-access
    crypto.get_fernet()


def judge_one(conf, case):
    section, key, value, kind = case["section"], case["key"], case["value"], case["kind"]
    name = variable(section, key)
    os.environ[name] = value
    try:
        if kind == "option":
            known = key in ((conf.configuration_description.get(section) or {}).get("options") or {})
            return {"known": known, "effective": conf.get(section, key, fallback=None) == value and known}
        if kind == "moved":
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                read = conf.get(case["to_section"], case["to_key"]) == value
            return {"read": read, "warned": bool(caught)}
        try:
            if kind == "boolean":
                conf.getboolean(section, key)
            elif kind == "integer":
                conf.getint(section, key)
            elif kind == "float":
                conf.getfloat(section, key)
            elif kind == "enumeration":
                conf._validate_enums()  # pylint: disable=protected-access
            elif kind == "fernet":
                fernet_verdict()
            else:
                raise SystemExit("airflow-verdict: unknown kind %r" % kind)
        except Exception as error:  # pylint: disable=broad-except
            return {"rejected": True, "error": type(error).__name__}
        return {"rejected": False, "error": None}
    finally:
        del os.environ[name]


def main():
    from airflow.configuration import conf

    if sys.argv[1] == "options":
        options(conf, sys.argv[2])
        return
    with open(sys.argv[2], encoding="utf-8") as handle:
        cases = json.load(handle)
    verdicts = [judge_one(conf, case) for case in cases]
    with open(sys.argv[3], "w", encoding="utf-8") as handle:
        json.dump(verdicts, handle)


if __name__ == "__main__":
    main()
