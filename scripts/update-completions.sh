#!/usr/bin/env bash
# Regenerates the shell completion scripts in completions/ from a built softadastra binary.
#
#   scripts/update-completions.sh [--check] [BINARY]
#
# BINARY defaults to .build/debug/softadastra. Without --check it writes
#   completions/softadastra.bash   (bash)
#   completions/_softadastra       (zsh)
#   completions/softadastra.fish   (fish)
# With --check it writes nothing: it exits 1 and prints a diff when a committed file differs
# from what the binary generates (or is missing), and exits 0 when all three are up to date.
# Exit status 2: bad usage, or the binary is missing or fails to generate a script.
set -euo pipefail

usage() {
  echo "usage: $0 [--check] [binary]   (binary default: .build/debug/softadastra)" >&2
  exit 2
}

check=0
binary=""
for argument in "$@"; do
  case "$argument" in
    --check) check=1 ;;
    -h | --help) usage ;;
    -*) echo "$0: unknown option $argument" >&2; usage ;;
    *)
      [[ -z "$binary" ]] || usage
      binary="$argument"
      ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A binary named on the command line is relative to the caller's directory; the default and
# the completions/ files are relative to the repository root.
if [[ -n "$binary" && "$binary" != /* ]]; then
  binary="$PWD/$binary"
fi
cd "$root"
binary="${binary:-.build/debug/softadastra}"
if [[ ! -x "$binary" ]]; then
  echo "$0: $binary is not an executable; build it first (swift build) or name one" >&2
  exit 2
fi

# shell and the file it goes to, relative to the repository root
targets=(
  "bash completions/softadastra.bash"
  "zsh completions/_softadastra"
  "fish completions/softadastra.fish"
)

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

status=0
mkdir -p completions
for target in "${targets[@]}"; do
  shell="${target%% *}"
  file="${target#* }"
  generated="$scratch/$(basename "$file")"
  if ! "$binary" --generate-completion-script "$shell" >"$generated"; then
    echo "$0: $binary --generate-completion-script $shell failed" >&2
    exit 2
  fi
  if [[ ! -s "$generated" ]]; then
    echo "$0: $binary generated an empty $shell script" >&2
    exit 2
  fi
  if ((check)); then
    if [[ ! -f "$file" ]]; then
      echo "$file is missing; run $0 $binary" >&2
      diff -u /dev/null "$generated" --label "$file" --label "$file (generated)" || true
      status=1
    elif ! diff -u "$file" "$generated" --label "$file" --label "$file (generated)"; then
      status=1
    fi
  else
    if [[ -f "$file" ]] && cmp -s "$generated" "$file"; then
      echo "unchanged $file"
    else
      cp "$generated" "$file"
      chmod 0644 "$file"
      echo "wrote     $file"
    fi
  fi
done

if ((check)) && ((status != 0)); then
  echo "completions/ is out of date with $binary; run $0 $binary" >&2
fi
exit "$status"
