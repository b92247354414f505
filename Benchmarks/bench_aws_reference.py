#!/usr/bin/env python3
"""The boto3 + Jinja2 renderer Benchmarks/bench-aws.py measures cfg against: what a platform engineer would write.

Usage: bench_aws_reference.py SECRETS_JSON TEMPLATE OUTPUT [--parallel N]

SECRETS_JSON maps template names to Secrets Manager secret names ({"s0000": "bench/s0000", ...}). The script reads
them with `batch_get_secret_value` in chunks of 20 (the API's maximum for a SecretIdList), one call after another
(with --parallel N: N chunks at a time on a thread pool), follows NextToken, fails on any entry in Errors, parses
each SecretString as JSON and renders TEMPLATE (Jinja2, StrictUndefined) to OUTPUT: mode 0600, written to a
temporary file in the same directory, fsynced and renamed over OUTPUT, then the directory is fsynced (as cfg does).

Region, endpoint and credentials come from the environment (AWS_REGION, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...),
as boto3 reads them. The `env` filter writes a value as it is, like cfg's `env` output, and refuses a line break
or a NUL (an env file cannot hold them). Error messages name secrets, never values.
"""
import json
import os
import sys
import tempfile

import boto3
import jinja2

CHUNK = 20


def read_chunk(client, chunk):
    values = {}
    token = None
    while True:
        request = {"SecretIdList": chunk}
        if token:
            request["NextToken"] = token
        page = client.batch_get_secret_value(**request)
        errors = page.get("Errors") or []
        if errors:
            raise SystemExit("cannot read %s" % ", ".join("%s (%s)" % (e.get("SecretId"), e.get("ErrorCode"))
                                                          for e in errors))
        for entry in page.get("SecretValues", []):
            values[entry["Name"]] = json.loads(entry["SecretString"])
        token = page.get("NextToken")
        if not token:
            return values


def fetch(client, ids, parallel):
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    values = {}
    if parallel > 1:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            for part in pool.map(lambda chunk: read_chunk(client, chunk), chunks):
                values.update(part)
    else:
        for chunk in chunks:
            values.update(read_chunk(client, chunk))
    return values


def env_value(value):
    text = str(value)
    if "\n" in text or "\r" in text or "\0" in text:
        raise ValueError("a value holds a line break or a NUL, which an env file cannot hold")
    return text


def write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:  # mkstemp: mode 0600
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


def main():
    arguments = sys.argv[1:]
    parallel = 1
    if len(arguments) == 5 and arguments[3] == "--parallel":
        parallel = int(arguments[4])
        arguments = arguments[:3]
    if len(arguments) != 3:
        raise SystemExit(__doc__.split("\n\n")[1])
    secrets_file, template_file, output = arguments
    with open(secrets_file, encoding="utf-8") as handle:
        names = json.load(handle)

    client = boto3.client("secretsmanager")
    by_id = fetch(client, sorted(set(names.values())), parallel)
    missing = sorted(secret_id for secret_id in names.values() if secret_id not in by_id)
    if missing:
        raise SystemExit("not returned: %s" % ", ".join(missing))
    secrets = {name: by_id[secret_id] for name, secret_id in names.items()}

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    environment.filters["env"] = env_value
    with open(template_file, encoding="utf-8") as handle:
        template = environment.from_string(handle.read())
    write_atomically(output, template.render(secrets=secrets))


if __name__ == "__main__":
    main()
