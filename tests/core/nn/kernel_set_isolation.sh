#!/usr/bin/env bash
# The kernel sets keep to their ISA (core/kernel_set.hpp): each set's object uses no register
# wider than its level (generic: no ymm/zmm; avx2: no zmm) and exports nothing but its own
# namespace, so no wide instruction can reach code that runs on a CPU without it. With a
# BINARY compiled for baseline x86-64 (the portable preset), also every function of the final
# executable that touches a zmm register belongs to the avx512 set.
# Usage: kernel_set_isolation.sh CORE_BUILD_DIR [BINARY]
set -euo pipefail
export LC_ALL=C
dir=$1
fail=0
for set in generic avx2 avx512; do
  obj=$dir/kernels_$set.o
  [ -f "$obj" ] || { echo "missing $obj"; exit 1; }
  case $set in
    generic) wide='%[yz]mm' ;;
    avx2) wide='%zmm' ;;
    avx512) wide='' ;;
  esac
  if [ -n "$wide" ]; then
    n=$(objdump -d --no-show-raw-insn "$obj" | grep -cE "$wide" || true)
    echo "$set: $n instructions on registers wider than the set's level"
    [ "$n" -eq 0 ] || fail=1
  fi
  prefix="_ZN7flowlab4core$(( ${#set} + 5 ))simd_$set"
  leaked=$(nm --defined-only "$obj" | awk '$2 ~ /^[A-Z]$/ {print $3}' | grep -v "^$prefix" || true)
  if [ -n "$leaked" ]; then
    echo "$set exports symbols outside its namespace:"; echo "$leaked" | head
    fail=1
  else
    echo "$set: exports only flowlab::core::simd_$set"
  fi
done
if [ -n "${2:-}" ]; then
  bin=$2
  objdump -d --no-show-raw-insn "$bin" |
    awk '/^[0-9a-f]+ <.*>:$/ {addr = $1} /%zmm/ {print addr}' | sort -u > "$dir/zmm_functions.txt"
  nm --defined-only "$bin" | sort -k1,1 > "$dir/symbols.txt"
  bad=$(join "$dir/zmm_functions.txt" "$dir/symbols.txt" |
        awk '$2 !~ /^[tr]$/ && $3 !~ /^_ZN7flowlab4core11simd_avx512/' || true)
  count=$(wc -l < "$dir/zmm_functions.txt")
  if [ -n "$bad" ]; then
    echo "functions with AVX-512 registers outside the avx512 set:"; echo "$bad" | head
    fail=1
  else
    echo "$bin: all $count functions with AVX-512 registers are the avx512 set's own"
  fi
fi
exit $fail
