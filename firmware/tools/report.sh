#!/usr/bin/env bash
# Size and speed report of the firmware, per board and per binary:
#   - flash (.vector_table + .text + .rodata + .data) and static RAM (.data + .bss + .uninit),
#     section by section, from llvm-size (llvm-tools) or arm-none-eabi-size;
#   - the stack high-water mark each binary logs under QEMU (src/stack.rs: painted at start-up,
#     scanned at the end; "-" on the nrf52840 build, which needs a board);
#   - the sine model's flash cost: flash(model_sine) - flash(model_none) (blob in place) and
#     flash(model_sine_const) - flash(model_none) (constant weights, `embedml export --rust-const`);
#   - instructions executed per region of `bench` under QEMU, on the Cortex-M4F (mps2-an386)
#     and the Cortex-M3 (lm3s6965, soft float), with the floating-point instructions among them,
#     and on the Cortex-M4F again with `--features fastexp`; the same for `bench_const` (the
#     sine MLP from constants and from its blob);
#   - the MDN inference (bench region 4) per function, libm and fastexp (tools/profile-region.sh).
# Run from anywhere: firmware/tools/report.sh   (needs tools/install-embedded.sh done)
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD

sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
SIZE="$sysroot/lib/rustlib/$host/bin/llvm-size"
if [ ! -x "$SIZE" ]; then
  SIZE=$(command -v arm-none-eabi-size || true)
fi
[ -n "$SIZE" ] || { echo "report.sh: no llvm-size (rustup component add llvm-tools) or arm-none-eabi-size" >&2; exit 127; }

# board  target  features
boards=(
  "mps2-an386 thumbv7em-none-eabihf qemu,mps2-an386"
  "lm3s6965 thumbv7m-none-eabi qemu,lm3s6965"
  "nrf52840 thumbv7em-none-eabihf rtt,nrf52840"
)
bins=$(ls src/bin | sed 's/\.rs$//')

sizes() { # elf -> "flash ram text rodata data bss"
  "$SIZE" -A "$1" | awk '
    $1 == ".vector_table" { vt = $2 } $1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 }
    $1 == ".data" { d = $2 } $1 == ".bss" { b = $2 } $1 == ".uninit" { u = $2 }
    END { printf "%d %d %d %d %d %d %d\n", vt + t + r + d, d + b + u, vt, t, r, d, b + u }'
}

for entry in "${boards[@]}"; do
  read -r board target features <<<"$entry"
  # nrf52840 builds into its own target dir, so it never replaces the QEMU binaries.
  dir=target
  [ "$board" = nrf52840 ] && dir=target/nrf52840
  cargo build --release --quiet --target "$target" --no-default-features --features "$features" \
    --target-dir "$dir"
  echo "== $board ($target, features $features)"
  printf '  %-16s %8s %8s %8s   %8s %8s %8s %8s %8s\n' binary flash ram stack .vectors .text .rodata .data .bss
  for b in $bins; do
    read -r flash ram vt t r d bss < <(sizes "$dir/$target/release/$b")
    stack=-
    if [ "$board" != nrf52840 ]; then
      stack=$("$here/tools/qemu-run.sh" "$dir/$target/release/$b" 2>/dev/null |
        sed -n 's/.*stack high-water mark: \(at least \)\{0,1\}\([0-9]*\) bytes.*/\2/p' | tail -n1 ||
        true)
      stack=${stack:--}
    fi
    printf '  %-16s %8d %8d %8s   %8d %8d %8d %8d %8d\n' "$b" "$flash" "$ram" "$stack" "$vt" "$t" "$r" "$d" "$bss"
    [ "$b" = model_none ] && none=$flash
    [ "$b" = model_sine ] && sine=$flash
    [ "$b" = model_sine_const ] && sine_const=$flash
  done
  echo "  sine model flash cost (model_sine - model_none): $((sine - none)) bytes;" \
    "constant weights (model_sine_const - model_none): $((sine_const - none)) bytes"
done
echo "  (flash = .vector_table + .text + .rodata + .data; ram = static .data + .bss;" \
  "stack = high-water mark under QEMU, bytes)"
echo "  model blobs: sine.bin $(wc -c <models/sine.bin) bytes (MLP 1 -> 16 -> 16 -> 1, 321 f32);" \
  "prml_inverse.bin $(wc -c <models/prml_inverse.bin) bytes (MDN 1 -> 5 -> 9, K = 3, 64 f32);" \
  "spam.bin $(wc -c <models/spam.bin) bytes (Bernoulli NB, 2 classes x 3 words)"

for entry in "${boards[@]:0:2}"; do
  read -r board target _ <<<"$entry"
  echo "== instructions executed by bench on $board (QEMU -singlestep; net of the markers; floating-point instructions among them)"
  "$here/tools/count-instructions.sh" "target/$target/release/bench" |
    paste -d' ' <(printf '%s\n' empty mlp_flash mlp_ram plain_loop mdn nb qlearn | head -n 7) - |
    sed 's/^/  /' | awk 'NF > 1'
  echo "== instructions executed by bench_const on $board (constant weights vs blob in place, same binary)"
  "$here/tools/count-instructions.sh" "target/$target/release/bench_const" |
    paste -d' ' <(printf '%s\n' empty mlp_const mlp_flash) - | sed 's/^/  /' | awk 'NF > 1'
done

# The same on the Cortex-M4F with core's `fastexp` polynomial exp / tanh (its own target dir).
cargo build --release --quiet --target thumbv7em-none-eabihf --no-default-features \
  --features qemu,mps2-an386,fastexp --target-dir target/fastexp --bin bench
echo "== instructions executed by bench on mps2-an386 with --features fastexp"
"$here/tools/count-instructions.sh" target/fastexp/thumbv7em-none-eabihf/release/bench |
  paste -d' ' <(printf '%s\n' empty mlp_flash mlp_ram plain_loop mdn nb qlearn | head -n 7) - |
  sed 's/^/  /' | awk 'NF > 1'

# Where the MDN inference's instructions go, per function (bench region 4, both builds).
for elf in target/thumbv7em-none-eabihf/release/bench target/fastexp/thumbv7em-none-eabihf/release/bench; do
  echo "== MDN inference per function on mps2-an386 ($elf; instructions, floating-point, function)"
  "$here/tools/profile-region.sh" "$elf" 4 | sed 's/^/  /'
done
