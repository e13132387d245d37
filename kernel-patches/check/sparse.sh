#!/bin/bash
# series-sparse: "make C=2 CHECK=sparse" on the .c files the series touches
# that the x86_64 build compiles (and kernel/sched/core.c and
# kernel/kthread.c when it touches headers) gives no warning that the
# pristine tree does not give (line numbers ignored). Runs in the walk's
# worktree (lib.sh), at the series' last commit, then at the pristine one.
. "$(dirname "$0")/lib.sh" "$@"

command -v sparse >/dev/null || ktap_skip_all sparse "sparse not installed"
t=$(tree_of_series) || ktap_skip_all sparse "the series does not apply (see the apply check)"
kb_of_series "$t" && [ "$kb_ok" = 1 ] ||
	ktap_skip_all sparse "the whole series does not build for x86_64 (see the builds check)"
cfg=$kb/.config
files=()
while IFS= read -r f; do
	case $f in
	kernel/*.c|arch/x86/*.c|mm/*.c) [ ! -f "$kb/${f%.c}.o" ] || files+=("$f") ;;
	*.h) files+=(kernel/sched/core.c kernel/kthread.c) ;;
	esac
done < <(touched_files "$t")
[ ${#files[@]} -gt 0 ] ||
	ktap_skip_all sparse "the series touches no .c file built for x86_64 and no header"
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
head=$(git -C "$t" rev-parse HEAD)
res() { echo "$work/sparse/$(res_key "$1" "$cfg")/${2//\//_}"; }

exec 8>"$work/.walk.lock"
flock 8
for c in "$head" "$base"; do
	there=
	for f in "${files[@]}"; do
		r=$(res "$c" "$f")
		[ ! -f "$r.warn" ] || continue
		[ -n "$there" ] || { wt_checkout "$c" "$cfg" >/dev/null 2>&1; there=1; }
		mkdir -p "$(dirname "$r")"
		log "sparse $f at $(git -C "$ksrc" log -1 --format=%h "$c")"
		wt_make C=2 CHECK=sparse "${f%.c}.o" >"$r.log" 2>&1 || true
		! grep -q ' CHECK ' "$r.log" || norm_warnings "$wt" <"$r.log" | sort >"$r.warn"
	done
done
exec 8>&-

ktap_header ${#files[@]}
for f in "${files[@]}"; do
	rb=$(res "$base" "$f") rp=$(res "$head" "$f")
	if [ ! -f "$rp.warn" ] || [ ! -f "$rb.warn" ]; then
		ktap_not_ok "sparse $f"
		ktap_diag "sparse did not run:"
		tail -n 20 "$rp.log" "$rb.log" 2>/dev/null | ktap_diag
		continue
	fi
	new=$(comm -13 "$rb.warn" "$rp.warn")
	n=$(grep -c ': warning' "$rp.warn" || true)
	if [ -n "$new" ]; then
		ktap_not_ok "sparse $f"
		ktap_diag "new sparse warnings (not in the pristine tree):"
		ktap_diag <<<"$new"
	else
		ktap_ok "sparse $f"
		[ "$n" -eq 0 ] || ktap_diag "$n warnings, all also in the pristine tree"
	fi
done
ktap_finish
