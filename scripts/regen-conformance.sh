#!/usr/bin/env bash
# Build, extend or check the conformance fixture corpus in tests/conformance/.
#
# Every fixture is a pair NAME.program.json (a program in the oracle's JSON
# format) + NAME.expected.json (what the real charms.reactive 1.5.3 did with it,
# exactly as printed by the oracle's run_reactive.py in its faithful
# `--log-mode exec`). This script only drives the oracle in /work/shared/oracle;
# it never copies the oracle's Python code into the repo.
#
# Usage:
#   scripts/regen-conformance.sh              regenerate the whole corpus
#   scripts/regen-conformance.sh --extend N   add N random programs after the highest seed
#   scripts/regen-conformance.sh --check      re-run the oracle on every program, report
#                                             differences from the committed files (exit 1)
#   scripts/regen-conformance.sh --stats      print corpus statistics (markdown) and the
#                                             sanity check of every expected file, and
#                                             refresh the statistics block of the README
#
# Environment:
#   ORACLE_DIR   the oracle scripts (default /work/shared/oracle; may be read-only)
#   ORACLE_VENV  its venv (default <repo>/.oracle-venv; created with setup_venv.sh if missing)
#   JOBS         parallel oracle runs (default 2, at most 2: the machine has 2 cores)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$repo/tests/conformance"
manifest="$corpus/MANIFEST.tsv"
ORACLE_DIR="${ORACLE_DIR:-/work/shared/oracle}"
ORACLE_VENV="${ORACLE_VENV:-$repo/.oracle-venv}"
JOBS="${JOBS:-2}"
if ((JOBS > 2)); then JOBS=2; fi
# Default size of the random group; a full regen keeps any seeds added by --extend.
RANDOM_COUNT=330

export ORACLE_DIR ORACLE_VENV corpus
PY="$ORACLE_VENV/bin/python"
export PY

die() { echo "regen-conformance: $*" >&2; exit 2; }

ensure_venv() {
    [[ -f "$ORACLE_DIR/run_reactive.py" && -f "$ORACLE_DIR/gen_program.py" ]] \
        || die "no oracle scripts in ORACLE_DIR=$ORACLE_DIR"
    if [[ ! -x "$PY" ]]; then
        echo "creating the oracle venv at $ORACLE_VENV" >&2
        ORACLE_VENV="$ORACLE_VENV" "$ORACLE_DIR/setup_venv.sh" >&2
    fi
}

# --- the seed list -----------------------------------------------------------
# Generator arguments are a pure function of the seed (a 31-bit LCG stepped from
# it), so a seed always yields the same program and --extend never disturbs the
# existing ones. MANIFEST.tsv records the resulting arguments per fixture.
COMMON_HOOKS=(install config-changed start update-status upgrade-charm
              leader-elected leader-settings-changed stop)
SPECIAL_HOOKS=(pre-series-upgrade post-series-upgrade collect-metrics meter-status-changed)
FAIL_RATES=(0 0.04 0.15 0.3)

lcg_state=0
lcg_next() { # next pseudo-random value in 0..32767 (the high bits of the LCG)
    lcg_state=$(( (lcg_state * 1103515245 + 12345) % 2147483648 ))
    lcg_out=$(( lcg_state >> 16 ))
}

seed_args() { # prints the gen_program.py arguments for seed $1
    local seed=$1 handlers flags triggers fail hook args
    lcg_state=$seed
    lcg_next; lcg_next                  # let small seeds spread out first
    lcg_next; handlers=$(( 2 + lcg_out % 24 ))         # 2..25
    lcg_next; flags=$(( 2 + lcg_out % 9 ))             # 2..10
    lcg_next; fail=${FAIL_RATES[lcg_out % 4]}
    args="--seed $seed --handlers $handlers --flags $flags --fail-rate $fail"
    lcg_next
    if (( lcg_out % 10 >= 4 )); then                   # 60%: an explicit count 0..6
        lcg_next; triggers=$(( lcg_out % 7 ))
        args+=" --triggers $triggers"
    fi                                                 # else gen_program's random 0..F/3
    lcg_next
    case $(( lcg_out % 20 )) in
        1[2-5]) lcg_next; hook=${SPECIAL_HOOKS[lcg_out % 4]}; args+=" --hook $hook" ;;
        1[6-9]) lcg_next; hook=${COMMON_HOOKS[lcg_out % 8]}; args+=" --hook $hook" ;;
        *) ;;                                          # 60%: gen_program's random hook
    esac
    echo "$args"
}

SHAPES=("chain-1|--chain 1" "chain-99|--chain 99" "chain-100|--chain 100"
        "chain-101|--chain 101" "chain-150|--chain 150" "wide-1|--wide 1" "wide-50|--wide 50")

# --- one job -------------------------------------------------------------------
# A job line is "STEM|SOURCE": STEM is the fixture path under tests/conformance
# without the suffix; SOURCE is "copy:FILE" or gen_program.py arguments.

# Writes STEM.program.json (from SOURCE) and STEM.expected.json (the oracle's output).
gen_one() {
    local stem="${1%%|*}" src="${1#*|}" out="$corpus/${1%%|*}"
    if [[ $src == copy:* ]]; then
        install -m 644 "${src#copy:}" "$out.program.json" || return 255
    else
        # shellcheck disable=SC2086 # SOURCE is a word list of arguments
        "$PY" "$ORACLE_DIR/gen_program.py" $src --out "$out.program.json" || return 255
    fi
    "$PY" "$ORACLE_DIR/run_reactive.py" --log-mode exec "$out.program.json" > "$out.expected.json.tmp" \
        || { echo "FAIL $stem: oracle exited $?" >&2; rm -f "$out.expected.json.tmp"; return 255; }
    mv "$out.expected.json.tmp" "$out.expected.json"
    echo "ok   $stem"
}

# Re-derives the program (when its source is the generator) and re-runs the oracle;
# prints DIFF lines for anything that does not match the committed files.
check_one() {
    local stem="${1%%|*}" src="${1#*|}" out="$corpus/${1%%|*}" tmp status=ok
    tmp="$(mktemp -d)"
    if [[ $src != copy:* ]]; then
        # shellcheck disable=SC2086
        "$PY" "$ORACLE_DIR/gen_program.py" $src --out "$tmp/p.json"
        cmp -s "$tmp/p.json" "$out.program.json" \
            || { echo "DIFF $stem: program differs from gen_program.py $src"; status=diff; }
    elif ! cmp -s "${src#copy:}" "$out.program.json"; then
        echo "DIFF $stem: program differs from ${src#copy:}"; status=diff
    fi
    if ! "$PY" "$ORACLE_DIR/run_reactive.py" --log-mode exec "$out.program.json" > "$tmp/e.json"; then
        echo "DIFF $stem: oracle failed"; status=diff
    elif ! cmp -s "$tmp/e.json" "$out.expected.json"; then
        echo "DIFF $stem: expected differs in keys $("$PY" -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print(",".join(sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))) or "(formatting only)")
' "$tmp/e.json" "$out.expected.json")"
        status=diff
    fi
    rm -rf "$tmp"
    [[ $status == ok ]] && echo "ok   $stem"
    return 0
}
export -f gen_one check_one

run_jobs() { # run_jobs FUNCTION < job lines
    xargs -d '\n' -r -P "$JOBS" -I{} bash -c "$1"' "$0"' {}
}

# --- job lists -----------------------------------------------------------------
case_jobs() {
    local p
    for p in "$ORACLE_DIR"/cases/*.program.json; do
        echo "cases/$(basename "$p" .program.json)|copy:$p"
    done
}
seed_jobs() { # seed_jobs FIRST LAST
    local s
    for ((s = $1; s <= $2; s++)); do
        printf 'random/seed-%04d|%s\n' "$s" "$(seed_args "$s")"
    done
}
shape_jobs() { local s; for s in "${SHAPES[@]}"; do echo "shapes/$s"; done; }

highest_seed() {
    local f n max=0
    for f in "$corpus"/random/seed-*.program.json; do
        [[ -e $f ]] || continue
        n=${f##*/seed-}; n=$((10#${n%%.*}))
        ((n > max)) && max=$n
    done
    echo "$max"
}

write_manifest() { # job lines on stdin -> MANIFEST.tsv (relative paths, sorted)
    {
        printf '# fixture\tsource (copy of an oracle case, or gen_program.py arguments)\n'
        sed -e "s#|copy:$ORACLE_DIR/#\tcopy:#" -e 's#|#\t#' | sort
    } > "$manifest"
}

# Lines of the manifest back into job lines (absolute copy paths).
manifest_jobs() {
    [[ -f $manifest ]] || die "no $manifest: run without options first"
    grep -v '^#' "$manifest" | sed -e "s#\tcopy:#|copy:$ORACLE_DIR/#" -e 's#\t#|#'
}

# --- statistics and sanity -------------------------------------------------------
stats() { # any python3 will do: the snippet uses the standard library only
    local py="$PY"
    [[ -x $py ]] || py=python3
    "$py" - "$corpus" <<'EOF'
import collections, glob, json, os, sys
root = sys.argv[1]
KEYS = ['invoked', 'final_flags', 'tracer', 'error', 'committed', 'persisted_flags', 'log',
        'hook_tool_calls']
groups = collections.OrderedDict((g, []) for g in ('cases', 'random', 'shapes'))
problems = []
for g in groups:
    for p in sorted(glob.glob(os.path.join(root, g, '*.program.json'))):
        stem = p[:-len('.program.json')]
        prog = json.load(open(p))
        exp = json.load(open(stem + '.expected.json'))
        name = os.path.relpath(stem, root)
        missing = [k for k in KEYS if k not in exp]
        if missing:
            problems.append('%s: missing keys %s' % (name, missing))
        if exp.get('hook_tool_calls'):
            problems.append('%s: hook_tool_calls %s' % (name, exp['hook_tool_calls']))
        groups[g].append((name, prog, exp))
everything = [x for g in groups.values() for x in g]

def row(label, f):
    print('| %s | %s | %d |' % (label, ' | '.join(str(sum(1 for x in groups[g] if f(*x)))
                                                 for g in groups), sum(1 for x in everything if f(*x))))

def has_fail(n, p, e):
    return any(a.get('fail') for h in p['handlers'] for a in h.get('actions', []))

def max_repeat(e):
    return max(collections.Counter(e['invoked']).values(), default=0)

print('| | %s | all |' % ' | '.join(groups))
print('|---|%s---|' % ('---|' * len(groups)))
row('programs', lambda n, p, e: True)
hooks = collections.Counter(p['hook'] for _, p, _ in everything)
for h in sorted(hooks):
    row('hook `%s`' % h, lambda n, p, e, h=h: p['hook'] == h)
row('has a `fail` action', has_fail)
row('a handler failed (`error` set, not committed)', lambda n, p, e: e['error'] is not None)
row('hit the 100-iteration cap (invoked >= 100, not `wide`)',
    lambda n, p, e: len(e['invoked']) >= 100 and 'wide' not in n)
row('a handler invoked more than once', lambda n, p, e: max_repeat(e) > 1)
row('nothing invoked', lambda n, p, e: not e['invoked'])
row('has triggers', lambda n, p, e: bool(p.get('triggers')))
row('has initial flags', lambda n, p, e: bool(p.get('initial_flags')))
row('has an `@hook` handler', lambda n, p, e: any(h.get('hook') for h in p['handlers']))
print()
for g, xs in groups.items():
    hs = [len(p['handlers']) for _, p, _ in xs]
    ts = [len(p.get('triggers', [])) for _, p, _ in xs]
    inv = [len(e['invoked']) for _, _, e in xs]
    if hs:
        print('- `%s`: %d programs, handlers %d..%d, triggers %d..%d, invoked %d..%d'
              % (g, len(xs), min(hs), max(hs), min(ts), max(ts), min(inv), max(inv)))
print()
if problems:
    print('Sanity: %d problem(s):' % len(problems))
    for p in problems:
        print('- ' + p)
    sys.exit(1)
print('Sanity: all %d expected files have the keys %s, and `hook_tool_calls` is empty in every one.'
      % (len(everything), ', '.join('`%s`' % k for k in KEYS)))
EOF
}

# Replace the block between the stats markers of the README, if it has them.
refresh_readme() {
    local readme="$corpus/README.md" block
    [[ -f $readme ]] && grep -q '<!-- stats:begin -->' "$readme" || return 0
    block="$(stats)" || { echo "$block"; die "sanity check failed"; }
    STATS="$block" python3 - "$readme" <<'EOF'
import os, re, sys
path = sys.argv[1]
text = open(path).read()
new = '<!-- stats:begin -->\n' + os.environ['STATS'].rstrip('\n') + '\n<!-- stats:end -->'
open(path, 'w').write(re.sub(r'<!-- stats:begin -->.*?<!-- stats:end -->', lambda _: new, text,
                             flags=re.S))
EOF
    echo "refreshed the statistics in $readme"
}

generate() { # job lines on stdin; fails if any job failed
    local jobs
    jobs="$(cat)"
    mkdir -p "$corpus/cases" "$corpus/random" "$corpus/shapes"
    echo "$jobs" | run_jobs gen_one || die "some oracle runs failed"
    echo "generated $(echo "$jobs" | wc -l) fixtures"
}

# --- main ------------------------------------------------------------------------
mode=regen
extend=0
case "${1:-}" in
    "") ;;
    --extend) mode=extend; extend="${2:-}"; [[ $extend =~ ^[0-9]+$ ]] || die "--extend needs a count" ;;
    --check) mode=check ;;
    --stats) mode=stats ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
esac

case $mode in
    stats)
        stats
        refresh_readme >&2 ;;
    regen)
        ensure_venv
        last=$(highest_seed); ((last < RANDOM_COUNT)) && last=$RANDOM_COUNT
        jobs="$(case_jobs; seed_jobs 1 "$last"; shape_jobs)"
        echo "$jobs" | generate
        echo "$jobs" | write_manifest
        refresh_readme ;;
    extend)
        ensure_venv
        first=$(( $(highest_seed) + 1 ))
        new="$(seed_jobs "$first" $((first + extend - 1)))"
        [[ -n $new ]] || exit 0
        old="$(manifest_jobs)"        # read before write_manifest truncates the file
        echo "$new" | generate
        printf '%s\n%s\n' "$old" "$new" | write_manifest
        refresh_readme ;;
    check)
        ensure_venv
        report="$(manifest_jobs | run_jobs check_one)"
        ok=$(grep -c '^ok ' <<<"$report" || true)
        bad="$(grep -v '^ok ' <<<"$report" || true)"
        orphans="$(cd "$corpus" && for p in */*.program.json; do
                       grep -q "^${p%.program.json}"$'\t' "$manifest" || echo "ORPHAN ${p%.program.json} (not in MANIFEST.tsv)"
                   done)"
        [[ -n $bad ]] && echo "$bad"
        [[ -n $orphans ]] && echo "$orphans"
        echo "$ok fixtures match the oracle, $(grep -c . <<<"$bad" || true) differ," \
             "$(grep -c . <<<"$orphans" || true) not in the manifest"
        [[ -z $bad && -z $orphans ]] || exit 1
        stats > /dev/null || { echo "sanity check failed: run --stats"; exit 1; } ;;
esac
