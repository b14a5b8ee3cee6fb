#!/usr/bin/env bash
# Installs (or with --uninstall removes) the softadastra binary, its man pages and its shell
# completions under PREFIX.
#
#   scripts/install.sh [--uninstall] [--prefix DIR] [--binary PATH]
#
# Defaults: PREFIX=/usr/local (or $PREFIX), binary .build/release/softadastra (`make release`).
# Files: bin/softadastra, share/man/man1/*.1, share/man/man5/*.5,
# share/bash-completion/completions/softadastra, share/zsh/site-functions/_softadastra,
# share/fish/vendor_completions.d/softadastra.fish. DESTDIR is honoured for packaging.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${PREFIX:-/usr/local}"
binary="$root/.build/release/softadastra"
uninstall=0
while (($#)); do
  case "$1" in
    --uninstall) uninstall=1 ;;
    --prefix) prefix="$2"; shift ;;
    --binary) binary="$2"; shift ;;
    *) echo "usage: $0 [--uninstall] [--prefix DIR] [--binary PATH]" >&2; exit 64 ;;
  esac
  shift
done
dest="${DESTDIR:-}$prefix"

files=("bin/softadastra")
for page in "$root"/man/*.[15]; do
  section="${page##*.}"
  files+=("share/man/man$section/$(basename "$page")")
done
files+=(
  "share/bash-completion/completions/softadastra"
  "share/zsh/site-functions/_softadastra"
  "share/fish/vendor_completions.d/softadastra.fish"
)

if ((uninstall)); then
  for file in "${files[@]}"; do rm -f "$dest/$file"; done
  echo "removed softadastra from $dest"
  exit 0
fi

[[ -x "$binary" ]] || { echo "$0: $binary is missing; run make release first" >&2; exit 66; }
install -d "$dest/bin"
install -m 0755 "$binary" "$dest/bin/softadastra"
for page in "$root"/man/*.[15]; do
  section="${page##*.}"
  install -d "$dest/share/man/man$section"
  install -m 0644 "$page" "$dest/share/man/man$section/"
done
install -D -m 0644 "$root/completions/softadastra.bash" "$dest/share/bash-completion/completions/softadastra"
install -D -m 0644 "$root/completions/_softadastra" "$dest/share/zsh/site-functions/_softadastra"
install -D -m 0644 "$root/completions/softadastra.fish" "$dest/share/fish/vendor_completions.d/softadastra.fish"
echo "installed softadastra in $dest"
