# KTAP helpers for shell tests. POSIX sh: source it from bash on the host
# or busybox sh in guests (guest installs may inline it into a script).
#
#   . scripts/ktap.sh
#   ktap_header N; ktap_ok NAME | ktap_not_ok NAME | ktap_skip NAME REASON
#   | ktap_result NAME STATUS; ...; ktap_finish
#
# ktap_finish exits 1 if any case failed, 4 if every case was skipped,
# 0 otherwise. ktap_skip_all NAME REASON: a whole document of one SKIP.
ktap_n=0
ktap_pass=0
ktap_fail=0
ktap_skip=0

ktap_header()
{
	echo "TAP version 13"
	echo "1..$1"
}

# ktap_diag TEXT, or ktap_diag with the text on stdin
ktap_diag()
{
	if [ $# -eq 0 ]; then
		sed 's/^/# /'
	else
		echo "$*" | sed 's/^/# /'
	fi
}

ktap_ok()
{
	ktap_n=$((ktap_n + 1))
	ktap_pass=$((ktap_pass + 1))
	echo "ok $ktap_n $*"
}

ktap_not_ok()
{
	ktap_n=$((ktap_n + 1))
	ktap_fail=$((ktap_fail + 1))
	echo "not ok $ktap_n $*"
}

# ktap_skip NAME REASON
ktap_skip()
{
	ktap_n=$((ktap_n + 1))
	ktap_skip=$((ktap_skip + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}

# ktap_result NAME CONDITION-STATUS: 0 pass, anything else fail
ktap_result()
{
	if [ "$2" -eq 0 ]; then
		ktap_ok "$1"
	else
		ktap_not_ok "$1"
	fi
}

ktap_finish()
{
	echo "# Totals: pass:$ktap_pass fail:$ktap_fail xfail:0 xpass:0 skip:$ktap_skip error:0"
	[ "$ktap_fail" -eq 0 ] || exit 1
	[ "$ktap_pass" -gt 0 ] || [ "$ktap_skip" -eq 0 ] || exit 4
	exit 0
}

ktap_skip_all()
{
	ktap_header 1
	ktap_skip "$1" "$2"
	ktap_finish
}
