#!/bin/sh
# Run each fuzz target for SECONDS and say, per target, how many inputs it
# ran and how much coverage it gained: run.sh SECONDS TARGET...
#
# The corpus in the tree seeds a working copy in build/fuzz/work/TARGET,
# which keeps growing from one run to the next.  An input that crashes or
# leaks, or that the target's model refuses, is copied to
# tests/fuzz/regress/TARGET/, where make unit replays it: commit it with
# the fix.  Environment: FUZZ_JOBS (default 1), FUZZ_ARGS (more libFuzzer
# options).
set -u
secs=${1:?seconds}
shift
cd "$(dirname "$0")/../.."
jobs=${FUZZ_JOBS:-1}
total=0
fails=0
printf '%-8s %12s %10s %8s %8s %s\n' target inputs exec/s "cov" "+cov" result
for t in "$@"; do
	bin=build/fuzz/fuzz_$t
	work=build/fuzz/work/$t
	art=build/fuzz/artifacts/$t
	log=build/fuzz/$t.log
	mkdir -p "$work" "$art"
	dict=
	[ -f "tests/fuzz/dict/$t.dict" ] && dict=-dict=tests/fuzz/dict/$t.dict
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
	    -rss_limit_mb=2048 -artifact_prefix="$art/" $dict \
	    ${FUZZ_ARGS:-} "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	inputs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov0=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$log" | head -n 1)
	cov1=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	inputs=${inputs:-0}
	result=ok
	if [ "$rc" -ne 0 ]; then
		result="FAILED (exit $rc, see $log)"
		fails=$((fails + 1))
		mkdir -p "tests/fuzz/regress/$t"
		for f in "$art"/*; do
			[ -f "$f" ] || continue
			cp "$f" "tests/fuzz/regress/$t/" &&
			    result="$result; kept tests/fuzz/regress/$t/${f##*/}"
			rm -f "$f"
		done
	fi
	total=$((total + inputs))
	printf '%-8s %12s %10s %8s %8s %s\n' "$t" "$inputs" "${rate:-?}" \
	    "${cov1:-?}" "+$(( ${cov1:-0} - ${cov0:-0} ))" "$result"
done
printf '%-8s %12s\n' total "$total"
[ "$fails" -eq 0 ]
