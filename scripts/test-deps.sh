#!/usr/bin/env bash
# Installs what `swift test` needs beyond Swift and the zlib headers, when it is missing:
# mandoc (the man-page lint test), python3-jsonschema (the test that validates every command's
# JSON output against docs/schemas/ with an independent validator) and rclone (the carrier of the
# continuous-archiving test, over WebDAV on loopback). As root it runs apt-get; otherwise it prints the command to
# run and exits 1. zsh and fish are optional: the completion test checks them when present.
set -euo pipefail

missing=()
command -v mandoc >/dev/null 2>&1 || missing+=(mandoc)
command -v rclone >/dev/null 2>&1 || missing+=(rclone)
python3 -c 'import jsonschema' >/dev/null 2>&1 || /usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1 ||
  missing+=(python3-jsonschema)
((${#missing[@]})) || exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: installing ${missing[*]}" >&2
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; }
else
  echo "test-deps: the tests need ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
