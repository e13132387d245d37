# KTAP helpers that read stress-syncore output. POSIX sh, sourced after
# scripts/ktap.sh (the guest install inlines both).

# Value of "violations" in a stress-syncore "result:" line.
ktap_violations()
{
	sed -n 's/^result: [A-Z]*: .* \([0-9][0-9]*\) violations$/\1/p' "$1" |
		tail -n 1
}

# The SKIP reason stress-syncore printed, if any.
ktap_skip_reason()
{
	sed -n 's/^SKIP: //p' "$1" | head -n 1
}

# ktap_detected NAME OUTPUT: pass when the run reported violations (for
# runs with an injected fault).
ktap_detected()
{
	ktap_stress_v=$(ktap_violations "$2")
	ktap_diag "${ktap_stress_v:-?} violations"
	[ "${ktap_stress_v:-0}" -gt 0 ]
	ktap_result "$1" $?
}
