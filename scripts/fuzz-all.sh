#!/usr/bin/env bash
# Runs every fuzz target of the module for a while, one after the other, and
# prints one summary line per target: package, target, result, executions,
# and new interesting inputs. A crasher is written by `go test` under the
# package's testdata/fuzz/FuzzXxx/ (commit it with its fix).
#
#   scripts/fuzz-all.sh [DURATION]     (default 5m; e.g. 30s for a quick pass)
#
# Not run in CI (it takes #targets x DURATION). Results: docs/RESULTS.md.
set -uo pipefail
cd "$(dirname "$0")/.."
dur="${1:-5m}"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
status=0
printf '%-34s %-22s %-6s %14s %10s\n' package target result execs new
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz'); do
		out="$log/$(basename "$pkg").$target"
		if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" "$pkg" >"$out" 2>&1; then
			result=ok
		else
			result=FAIL
			status=1
		fi
		# The last progress line: "fuzz: elapsed: 5m0s, execs: 123 (..), new interesting: 4 (total: 40)".
		last=$(grep 'fuzz: elapsed' "$out" | tail -1)
		execs=$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' <<<"$last")
		new=$(sed -n 's/.*new interesting: \([0-9]*\).*/\1/p' <<<"$last")
		printf '%-34s %-22s %-6s %14s %10s\n' "${pkg#github.com/pimc-dev/pimc/}" "$target" "$result" "${execs:-?}" "${new:-?}"
		if [ "$result" = FAIL ]; then
			grep -v 'fuzz: elapsed' "$out" | tail -30 | sed 's/^/    /'
		fi
	done
done
exit $status
