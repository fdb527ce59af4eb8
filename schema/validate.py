#!/usr/bin/env python3
"""Validates WardWatch JSON-lines event files against schema/wardwatch-events.schema.json.

Usage: schema/validate.py [--summary] FILE...

Prints every invalid line as FILE:LINE: DATASET: PATH: REASON and exits 1 if there is any (2 when the jsonschema
package is missing or the schema itself is invalid). With --summary, prints one last line
`validated N lines: DATASET=COUNT ...` (also when everything is valid).

Needs the `jsonschema` package (Debian: python3-jsonschema; pip: jsonschema), version 4 or later for draft 2020-12.
"""
import datetime
import json
import os
import re
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    sys.stderr.write("validate.py: the Python package 'jsonschema' is missing (apt-get install python3-jsonschema)\n")
    sys.exit(2)

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wardwatch-events.schema.json")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def format_checker():
    """The draft 2020-12 format checker, made to check date-time even without the optional rfc3339-validator
    package (Debian 12's python3-jsonschema does not pull it in, and jsonschema then skips date-time silently)."""
    checker = Draft202012Validator.FORMAT_CHECKER
    if "date-time" not in checker.checkers:
        @checker.checks("date-time", raises=ValueError)
        def is_date_time(instance):
            if not isinstance(instance, str):
                return True
            if not RFC3339.match(instance):
                return False
            text = re.sub(r"(\.\d{6})\d+", r"\1", instance.upper()).replace("Z", "+00:00")
            datetime.datetime.fromisoformat(text)  # rejects month 13, day 32, hour 25 ...
            return True
    for name in ("date-time", "ipv4", "ipv6"):
        if name not in checker.checkers:
            sys.stderr.write(f"validate.py: jsonschema cannot check format '{name}'\n")
            sys.exit(2)
    return checker


def main(arguments):
    summary = "--summary" in arguments
    files = [a for a in arguments if a != "--summary"]
    if not files:
        sys.stderr.write(__doc__)
        return 2
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        sys.stderr.write(f"validate.py: {SCHEMA_PATH} is not a valid draft 2020-12 schema: {error.message}\n")
        return 2
    validator = Draft202012Validator(schema, format_checker=format_checker())
    invalid = 0
    total = 0
    datasets = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                total += 1
                try:
                    event = json.loads(line)
                except json.JSONDecodeError as error:
                    invalid += 1
                    print(f"{path}:{number}: not JSON: {error}")
                    continue
                dataset = event.get("event", {}).get("dataset", "?") if isinstance(event, dict) else "?"
                datasets[dataset] = datasets.get(dataset, 0) + 1
                errors = sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))
                if errors:
                    invalid += 1
                    for error in errors:
                        for leaf in leaves(error):
                            where = "/".join(str(p) for p in leaf.absolute_path) or "(event)"
                            print(f"{path}:{number}: {dataset}: {where}: {leaf.message}")
    if summary:
        counts = " ".join(f"{name}={count}" for name, count in sorted(datasets.items()))
        print(f"validated {total} lines, {invalid} invalid: {counts}")
    return 1 if invalid else 0


def leaves(error):
    """The most specific errors under `error` (if/then and allOf nest them)."""
    if not error.context:
        return [error]
    result = []
    for child in error.context:
        result.extend(leaves(child))
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
