#!/usr/bin/env bash
# Mutation testing: break the code one small change at a time (mutmut) and check that the unit
# and integration tests (SQLite and PostgreSQL) notice. Slow: not part of .ci/run.
#
#   scripts/mutation.sh                  every default path, one after the other
#   scripts/mutation.sh PATH ...         only these (a package directory or one .py file)
#   scripts/mutation.sh --changed [REF]  only the files changed against REF (default: origin/main,
#                                        else main, else HEAD~1), committed or not
#   scripts/mutation.sh --together PATH ...  these paths in one run (one set of fixed costs:
#                                        mutmut's test stats and clean run), scored per path
# Options: --jobs N (mutants at a time, default 1: the machine is shared), --time-limit SECONDS
# (per path, default 1800; what is not reached is reported as NOT RUN), --fresh (forget earlier
# results for these paths), --sqlite-only (leave out the PostgreSQL variants of the tests: much
# quicker on a busy machine, but a partial check).
#
# Each path is run in .mutation/<path>/ (a copy of the code and tests); mutmut runs each mutant
# against only the tests that reach the mutated function, and keeps results between runs: a
# re-run checks changed functions and the earlier survivors again. Equivalent mutants (that no
# test can tell from the original) are listed with the reason in scripts/mutation-equivalents.txt.
# Output: the survivors with their change, one line per path, and last
#   mutation score: NN.N% (K of N killed, E equivalent excluded)
# Read whole before running (in braces): editing this file during a run must not change it.
{
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DEFAULT_PATHS=(
  mongocollectibles/domain
  mongocollectibles/services
  mongocollectibles/payments
  mongocollectibles/api
  mongocollectibles/settings.py
)
JOBS=1
TIME_LIMIT=1800
FRESH=0
CHANGED=""
TOGETHER=0
PATHS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) JOBS=$2; shift 2 ;;
    --time-limit) TIME_LIMIT=$2; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    --together) TOGETHER=1; shift ;;
    --sqlite-only) export MUTATION_SQLITE_ONLY=1; shift ;;
    --changed)
      shift
      if [ $# -gt 0 ] && [ "${1#-}" = "$1" ] && git rev-parse --verify -q "$1^{commit}" >/dev/null; then
        CHANGED=$1; shift
      else
        for ref in origin/main main HEAD~1; do
          if git rev-parse --verify -q "$ref^{commit}" >/dev/null; then CHANGED=$ref; break; fi
        done
      fi
      ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) PATHS+=("${1%/}"); shift ;;
  esac
done

if [ -n "$CHANGED" ]; then
  base=$(git merge-base "$CHANGED" HEAD 2>/dev/null || echo "$CHANGED")
  mapfile -t files < <(
    { git diff --name-only "$base" -- mongocollectibles; git diff --name-only -- mongocollectibles;
      git ls-files --others --exclude-standard mongocollectibles; } | sort -u
  )
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    case "$f" in *.py) ;; *) continue ;; esac
    case "$f" in mongocollectibles/payments/sandbox/*) continue ;; esac
    for d in "${DEFAULT_PATHS[@]}"; do
      case "$f" in "$d"|"$d"/*) PATHS+=("$f") ;; esac
    done
  done
  if [ ${#PATHS[@]} -eq 0 ]; then
    echo "mutation.sh: no mutable file changed against $CHANGED"
    echo "mutation score: 100.0% (0 of 0 killed, 0 equivalent excluded)"
    exit 0
  fi
  echo "mutation.sh: files changed against $CHANGED: ${PATHS[*]}"
fi
[ ${#PATHS[@]} -gt 0 ] || PATHS=("${DEFAULT_PATHS[@]}")

if [ -z "${VIRTUAL_ENV:-}" ]; then
  # shellcheck source=scripts/setup.sh
  . scripts/setup.sh dev >/dev/null
fi
python -c "import mutmut" 2>/dev/null || python -m pip install -q "$(grep -E '^mutmut==' requirements-dev.txt)"

# One work directory per path given (or one for all the changed files).
run_group() {
  local slug=$1; shift
  local work="$ROOT/.mutation/$slug"
  [ "$FRESH" = 1 ] && rm -rf "$work"
  python scripts/mutation_tool.py prepare "$slug" "$@" >/dev/null
  python scripts/mutation_tool.py reset-survivors "$slug" >/dev/null || true
  echo "== mutating $* (log: .mutation/$slug.log)"
  local rc=0
  (cd "$work" && export $TEMPLATE_VARS && timeout "$TIME_LIMIT" mutmut run --max-children "$JOBS") >"$ROOT/.mutation/$slug.log" 2>&1 || rc=$?
  if [ "$rc" = 124 ]; then
    echo "   stopped after ${TIME_LIMIT}s; the rest is reported as NOT RUN"
  elif [ "$rc" != 0 ]; then
    FAILED=1
    echo "   mutmut failed (exit $rc); last lines of the log:"
    tail -n 20 "$ROOT/.mutation/$slug.log" | tr '\r' '\n' | tail -n 20
  fi
}

mkdir -p .mutation
# The test databases' templates, built once from the unmutated code and copied by every
# mutant's pytest session (tests/support/databases.py); each run has its own, so runs of
# other paths may go on at the same time.
TEMPLATES="$ROOT/.mutation/templates-$$"
TEMPLATE_VARS=$(ENVIRONMENT=test python -m tests.support.databases build "$TEMPLATES" | grep -E "^TEST_[A-Z_]+=")
PG_TEMPLATE=$(sed -n 's/^TEST_POSTGRES_TEMPLATE=//p' <<<"$TEMPLATE_VARS")
drop_templates() {
  [ -z "$PG_TEMPLATE" ] || python -m tests.support.databases drop "$PG_TEMPLATE" || true
  rm -rf "$TEMPLATES"
}
trap drop_templates EXIT
FAILED=0
if [ -n "$CHANGED" ]; then
  run_group changed "${PATHS[@]}"
  python scripts/mutation_tool.py report changed "${PATHS[@]}"
elif [ "$TOGETHER" = 1 ]; then
  run_group together "${PATHS[@]}"
  python scripts/mutation_tool.py report together "${PATHS[@]}"
else
  for p in "${PATHS[@]}"; do
    run_group "$(python scripts/mutation_tool.py slug "$p")" "$p"
  done
  python scripts/mutation_tool.py report-each "${PATHS[@]}"
fi
if [ "$FAILED" = 1 ]; then
  echo "mutation.sh: mutmut failed (see the log named above): the score counts only what ran" >&2
  exit 1
fi
exit 0
}
