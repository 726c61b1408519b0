#!/usr/bin/env bash
# Runs one CLI case file: kohort with the case's arguments, then checks exit code, stdout and
# stderr. Case format, one directive per line:
#   setup: <shell command run first in a fresh temporary folder, e.g. writing inputs;
#          $KOHORT is the binary under test>
#   args: <kohort arguments; {fixtures} and {work} are replaced>
#   exit: <expected exit code>
#   stdout: <a line that stdout must contain (substring)>
#   stderr: <a line that stderr must contain (substring)>
#   no-stdout: <a substring stdout must not contain>
#   file: <path under {work} that must exist afterwards>
#   no-file: <path under {work} that must not exist afterwards>
#   check: <shell command run afterwards in the folder, in order; it must succeed>
# $KOHORT_RECEIVER, when set, is the tests' webhook receiver (tests/deliver/receiver_main.cpp);
# a case that starts one in the background redirects its output and kills it in a check.
# Usage: run_case.sh KOHORT_BINARY FIXTURES_DIR CASE_FILE
set -uo pipefail
kohort=$1 fixtures=$2 case_file=$3
export KOHORT=$kohort
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
subst() { local s=$1; s=${s//\{fixtures\}/$fixtures}; s=${s//\{work\}/$work}; printf '%s' "$s"; }
fail=0
args="" expect_exit=0
while IFS= read -r line || [[ -n $line ]]; do
  case $line in
    setup:*) (cd "$work" && eval "$(subst "${line#setup: }")") || { echo "setup failed: $line"; exit 1; } ;;
    args:*) args=$(subst "${line#args: }") ;;
    exit:*) expect_exit=${line#exit: } ;;
  esac
done < "$case_file"
(cd "$work" && eval "\"$kohort\" $args" >"$work/.stdout" 2>"$work/.stderr" </dev/null)
code=$?
if [[ $code != "$expect_exit" ]]; then
  echo "exit code $code, expected $expect_exit"
  fail=1
fi
while IFS= read -r line || [[ -n $line ]]; do
  case $line in
    stdout:*) want=$(subst "${line#stdout: }"); grep -qF -- "$want" "$work/.stdout" || { echo "stdout lacks: $want"; fail=1; } ;;
    stderr:*) want=$(subst "${line#stderr: }"); grep -qF -- "$want" "$work/.stderr" || { echo "stderr lacks: $want"; fail=1; } ;;
    no-stdout:*) want=$(subst "${line#no-stdout: }"); if grep -qF -- "$want" "$work/.stdout"; then echo "stdout has: $want"; fail=1; fi ;;
    file:*) [[ -e $work/${line#file: } ]] || { echo "missing file: ${line#file: }"; fail=1; } ;;
    no-file:*) [[ ! -e $work/${line#no-file: } ]] || { echo "unexpected file: ${line#no-file: }"; fail=1; } ;;
    check:*) (cd "$work" && eval "$(subst "${line#check: }")") || { echo "check failed: ${line#check: }"; fail=1; } ;;
  esac
done < "$case_file"
if ((fail)); then
  echo "--- command: kohort $args"
  echo "--- stdout:"; head -c 3000 "$work/.stdout"
  echo "--- stderr:"; head -c 3000 "$work/.stderr"
  exit 1
fi
exit 0
