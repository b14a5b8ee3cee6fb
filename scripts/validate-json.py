#!/usr/bin/env python3
"""Validates JSON documents against the schemas in a directory, with the independent `jsonschema`
validator (Debian: python3-jsonschema).

usage: validate-json.py SCHEMA_DIR SAMPLES

SAMPLES holds one sample per line, three fields separated by tabs: the schema's name (status), the
command that printed the document, and the line it printed. Each document is checked against
SCHEMA_DIR/<schema>.schema.json; every schema is itself checked against JSON Schema 2020-12
first. References between schema files (common.schema.json#/$defs/...) resolve inside SCHEMA_DIR.
Prints one line per failure and exits 1 if there is any.
"""
import json
import os
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    # python3 on PATH may be another installation (pyenv, a venv) than the one apt provisions.
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system):
        os.execv(system, [system] + sys.argv)
    raise SystemExit(
        "validate-json: the jsonschema module is missing: run scripts/test-deps.sh as root "
        "(or: sudo apt-get install python3-jsonschema)"
    )

BASE = "https://softadastra.dev/schemas/"


def load_schemas(directory):
    schemas = {}
    for path in sorted(pathlib.Path(directory).glob("*.schema.json")):
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        if schema.get("$id") != BASE + path.name:
            raise SystemExit(f"{path}: $id must be {BASE + path.name}")
        schemas[path.name[: -len(".schema.json")]] = schema
    return schemas


def validator_factory(schemas):
    """A function from a schema name to its validator, resolving references between files."""
    try:
        from referencing import Registry, Resource

        registry = Registry().with_resources(
            (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
        )
        return lambda name: jsonschema.Draft202012Validator(schemas[name], registry=registry)
    except ImportError:  # jsonschema before 4.18
        store = {schema["$id"]: schema for schema in schemas.values()}
        return lambda name: jsonschema.Draft202012Validator(
            schemas[name], resolver=jsonschema.RefResolver.from_schema(schemas[name], store=store)
        )


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    schemas = load_schemas(sys.argv[1])
    validator = validator_factory(schemas)
    failures = 0
    count = 0
    for number, line in enumerate(pathlib.Path(sys.argv[2]).read_text().splitlines(), 1):
        name, command, text = line.split("\t", 2)
        count += 1
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            print(f"sample {number} ({command}): not JSON ({error}): {text}")
            failures += 1
            continue
        if name not in schemas:
            print(f"sample {number} ({command}): no schema {name}.schema.json")
            failures += 1
            continue
        for error in validator(name).iter_errors(document):
            # For oneOf/anyOf, the closest alternative's error says more than "is not valid under any".
            while error.context:
                error = jsonschema.exceptions.best_match(
                    [e for e in error.context if e.validator != "type"] or error.context)
            where = "/".join(str(part) for part in error.absolute_path) or "(the document)"
            print(f"sample {number} ({command}): {name}: at {where}: {error.message[:300]}")
            failures += 1
    print(f"validate-json: {count} documents, {len(schemas)} schemas, {failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
