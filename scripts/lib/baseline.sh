# A/B benchmarks against an older commit, for scripts/bench-*: the baseline is cloned once under ${TMPDIR:-/tmp} and
# kept; each side runs the same E2E benchmark classes, which append their figures to their own
# TestResults/runs-benchmarks.txt, and the lines a run added are printed with the load average before it.

# clone_baseline COMMIT NAME: prints the baseline's checkout directory, cloning it the first time.
clone_baseline() {
  local commit=$1 dir="${TMPDIR:-/tmp}/lna-$2-${1:0:12}"
  if [ ! -d "$dir/.git" ]; then
    echo "==> Cloning the baseline ${commit:0:12} into $dir" >&2
    git clone -q --no-checkout "$PWD" "$dir"
    git -C "$dir" checkout -q --detach "$commit"
  fi
  mkdir -p "$dir/TestResults"
  echo "$dir"
}

# run_side LABEL DIRECTORY FILTER: runs the E2E tests matching FILTER in that checkout and prints the figures they added.
run_side() {
  local label=$1 dir=$2 filter=$3 file="$2/TestResults/runs-benchmarks.txt" before=0
  mkdir -p "$dir/TestResults"
  [ -f "$file" ] && before=$(wc -l <"$file")
  echo "==> $label: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  if ! (cd "$dir" && dotnet test tests/LabelAndAlign.E2E.Tests -c Release -nologo -v quiet --filter "$filter" >"$dir/TestResults/bench.log" 2>&1); then
    echo "    (tests failed: $dir/TestResults/bench.log)"
  fi
  # A side that reported nothing (its tests failed to build or run) leaves the other side's figures to print.
  if [ -f "$file" ]; then tail -n +"$((before + 1))" "$file" | sed "s/^/    $label: /"; fi
}
