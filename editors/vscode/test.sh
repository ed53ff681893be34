#!/usr/bin/env bash
# Tests of the editor support (editors/). CI calls it from the repository root:
#
#   bash editors/vscode/test.sh
#
# Installs the node packages when they are missing (npm ci with the lock file),
# then runs the TextMate grammar unit tests, the grammar snapshots, the scope
# coverage over the example policies, the static checks and `tsc --noEmit`.
# Two optional checks run when their tool is there and are skipped otherwise:
# the Helix languages.toml parses (python3 with tomllib) and the Vim syntax
# loads in a headless Neovim. Exits non-zero when a check fails; the last line
# is "editors: N passed, N failed[, N skipped]".
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
editors="$(dirname "$here")"
repo="$(dirname "$editors")"
cd "$here"

passed=0
failed=0
skipped=0
failures=()

step() {
  local name="$1"
  shift
  echo
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "--- ok: $name"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "--- FAILED: $name"
  fi
}

skip() {
  skipped=$((skipped + 1))
  echo
  echo "=== $1"
  echo "--- skipped: $2"
}

summary() {
  echo
  if [ "${#failures[@]}" -gt 0 ]; then
    echo "failed checks: ${failures[*]}"
  fi
  if [ "$skipped" -gt 0 ]; then
    echo "editors: $passed passed, $failed failed, $skipped skipped"
  else
    echo "editors: $passed passed, $failed failed"
  fi
  [ "$failed" -eq 0 ]
}

# --- node packages -------------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node and npm are needed (Node.js 20 or later)" >&2
  failed=$((failed + 1))
  failures+=("node")
  summary
  exit 1
fi

install_packages() {
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
}

needs_install=0
for bin in vscode-tmgrammar-test vscode-tmgrammar-snap tsc; do
  [ -x "node_modules/.bin/$bin" ] || needs_install=1
done
for pkg in vscode-languageclient monaco-editor playwright-core; do
  # monaco-editor and playwright-core: scripts/screenshot.js (tests/editor_screenshot.rs)
  [ -d "node_modules/$pkg" ] || needs_install=1
done
# a lock file newer than the installed tree means the dependencies changed
if [ -f package-lock.json ] && [ -f node_modules/.package-lock.json ] &&
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  needs_install=1
fi
if [ "$needs_install" -eq 1 ]; then
  echo "=== installing node packages"
  if ! install_packages; then
    echo "--- FAILED: npm could not install the packages" >&2
    failed=$((failed + 1))
    failures+=("install node packages")
    summary
    exit 1
  fi
fi

bin="$here/node_modules/.bin"

# --- VS Code extension -------------------------------------------------------------
step "grammar unit tests (test/unit)" \
  "$bin/vscode-tmgrammar-test" -g syntaxes/handover.tmLanguage.json "test/unit/**/*.handover"
step "grammar snapshots (test/snap)" \
  "$bin/vscode-tmgrammar-snap" -g syntaxes/handover.tmLanguage.json "test/snap/**/*.handover"
step "grammar scope coverage (test/snap, examples)" node scripts/coverage.js
step "static checks (grammar, manifest, snippets, keywords)" node scripts/lint.js
step "tsc --noEmit" "$bin/tsc" --noEmit -p .

# --- Helix ---------------------------------------------------------------------------
if command -v python3 >/dev/null 2>&1 && python3 -c 'import tomllib' 2>/dev/null; then
  check_helix() {
    python3 - "$editors/helix/languages.toml" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    cfg = tomllib.load(f)
server = cfg["language-server"]["handover"]
assert server["command"] == "handover" and server["args"] == ["lsp"], server
[lang] = [l for l in cfg["language"] if l["name"] == "handover"]
assert lang["scope"] == "source.handover", lang
assert "handover" in lang["file-types"], lang
assert lang["comment-token"] == "#", lang
assert "handover" in lang["language-servers"], lang
assert lang["roots"] and lang["indent"]["unit"], lang
print("helix: languages.toml is valid")
PY
  }
  step "helix languages.toml" check_helix
else
  skip "helix languages.toml" "python3 with tomllib (3.11+) not found"
fi

# --- Neovim ----------------------------------------------------------------------------
if command -v nvim >/dev/null 2>&1; then
  check_nvim() {
    local files
    files="$(ls "$here"/test/snap/*.handover "$repo"/examples/*/*.handover "$repo"/examples/*.handover 2>/dev/null)"
    HANDOVER_SYNTAX_FILES="$files" timeout 120 nvim --headless -u NONE -i NONE \
      +"luafile $editors/nvim/test/syntax_test.lua" </dev/null
  }
  step "neovim syntax, ftdetect and ftplugin (headless)" check_nvim
else
  skip "neovim syntax (headless)" "nvim not installed"
fi

summary
