#!/bin/bash
# Paired xsbench rounds: several xenstore daemons side by side, the order rotating every
# round, one line per daemon and round (ops/s per phase, daemon CPU per request from
# /proc/PID/stat, load average). Summarise with paired-medians.py, which also gives the
# median of the per-round ratios against the daemon named "base" and against "C": pairing
# within a round cancels most of a shared machine's slow load swings.
#
#   xenstore-paired.sh N CLIENTS ROUNDS NAME=SPEC... > log; python3 paired-medians.py log
#   SPEC: c                               the reference C xenstored 4.17
#         java:<classpath>[:<options>]    jxen's XenstoredMain from <classpath>, e.g.
#                                         "java:/tmp/build/*:--busy-poll 50"; words starting
#                                         with -D or -X go to its JVM, e.g.
#                                         "java:/tmp/build/*:-Djxen.spareCore=never"
# Example (docs/BENCHMARKS.md, "xenstore: busy polling and the selector"):
#   xenstore-paired.sh 1000 1 30 C=c base="java:/tmp/xsbase/*" g50="java:/tmp/xsbase/*:--busy-poll 50"
set -u
N=$1; CL=$2; ROUNDS=$3; shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
R=${JXEN_REFERENCE_XENSTORED:-$here/../../../shared/reference-xenstored}
XSB=$(bash "$R/setup.sh" | sed -n 's/^REFXS_XSBENCH=//p')
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
declare -A SOCK PID
NAMES=()
for spec in "$@"; do
  name=${spec%%=*}; what=${spec#*=}; rd=$(mktemp -d /tmp/xs-paired-$name-XXXX)
  NAMES+=("$name")
  if [ "$what" = c ]; then
    PID[$name]=$(bash "$R/run.sh" c "$rd"); SOCK[$name]=$rd/socket
  else
    IFS=':' read -r _ cp opts <<< "$what"
    jvmopts=(); dopts=()
    for w in ${opts:-}; do  # -D and -X words go to the JVM, e.g. -Djxen.spareCore=never
      case $w in -D*|-X*) jvmopts+=("$w") ;; *) dopts+=("$w") ;; esac
    done
    setsid "$JAVA" --enable-native-access=ALL-UNNAMED "${jvmopts[@]}" -cp "$cp" io.jxen.xenstore.server.XenstoredMain \
      --socket "$rd/socket" "${dopts[@]}" > "$rd/log" 2>&1 &
    PID[$name]=$!; SOCK[$name]=$rd/socket
    for _ in $(seq 100); do [ -S "$rd/socket" ] && break; sleep 0.1; done
    sleep 0.5
  fi
done
cpu() { awk '{printf "%.0f\n", ($14 + $15) * 10000000}' "/proc/$1/stat"; }
for n in "${NAMES[@]}"; do  # warm-up, unmeasured
  XENSTORED_PATH=${SOCK[$n]} "$XSB" 5000 4 >/dev/null; XENSTORED_PATH=${SOCK[$n]} "$XSB" 5000 1 >/dev/null
done
for r in $(seq "$ROUNDS"); do
  for i in $(seq 0 $((${#NAMES[@]} - 1))); do
    n=${NAMES[$(( (i + r) % ${#NAMES[@]} ))]}
    c0=$(cpu "${PID[$n]}")
    line=$(XENSTORED_PATH=${SOCK[$n]} "$XSB" "$N" "$CL" | tail -1)
    c1=$(cpu "${PID[$n]}")
    cpuus=$(echo "($c1 - $c0) / 1000 / ($N * $CL * 6)" | bc -l)
    printf "round=%d daemon=%s %s cpu_us=%.2f load=%s\n" "$r" "$n" "$line" "$cpuus" "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
for n in "${NAMES[@]}"; do
  if [ "${PID[$n]}" != "" ] && [ -f "$(dirname "${SOCK[$n]}")/xenstored.pid" ]; then
    bash "$R/stop.sh" "$(dirname "${SOCK[$n]}")" >/dev/null 2>&1
  else
    kill "${PID[$n]}"
  fi
done
