#!/usr/bin/env bash
# Installs build/quantscope_*_amd64.deb into a clean Debian 12 root made with debootstrap, and checks it there:
# apt resolves its Depends, both programs start (--version), the headless sample job runs on the installed
# sample, the desktop entry, icon, MIME and AppStream files are in place (AppStream validated), and purging the
# package leaves none of its files behind. Slow (debootstrap, a few minutes): not part of the default test run.
# Usage: installer/test-deb.sh [DEB]   (as root; build the package first with installer/build-deb.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deb="$(readlink -f "${1:-$(ls -t "$root"/build/quantscope_*_amd64.deb | head -1)}")"
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap
command -v appstreamcli >/dev/null || apt-get install -y -q appstream
target="$(mktemp -d /var/tmp/quantscope-root.XXXXXX)"
cleanup() { umount "$target/proc" 2>/dev/null || true; rm -rf "$target"; }
trap cleanup EXIT
echo "== debootstrap bookworm into $target"
debootstrap --variant=minbase bookworm "$target" http://deb.debian.org/debian >/dev/null
mount -t proc proc "$target/proc"
cp "$deb" "$target/tmp/"
in_root() { chroot "$target" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root QT_QPA_PLATFORM=offscreen DEBIAN_FRONTEND=noninteractive "$@"; }
echo "== apt-get install ./$(basename "$deb")"
in_root apt-get update -q >/dev/null
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >/dev/null
echo "== versions"
in_root quantscope-cli --version
in_root quantscope --version
echo "== headless sample job"
s=/usr/share/quantscope/samples
in_root quantscope-cli inspect $s/mobilenet_v1_0.25_224.tflite | head -6
cat > "$target/tmp/full.ini" <<INI
[common_quant_param]
quant_type=FULL_QUANT
[data_preprocess_param]
calibrate_path=input:$s/images
calibrate_size=5
input_type=IMAGE
image_to_format=RGB
normalize_mean=[127.5, 127.5, 127.5]
normalize_std=[127.5, 127.5, 127.5]
resize_width=224
resize_height=224
[full_quant_param]
activation_quant_method=MAX_MIN
INI
in_root quantscope-cli convert --fmk=TFLITE --modelFile=$s/mobilenet_v1_0.25_224.tflite --outputFile=/tmp/int8.tflite --configFile=/tmp/full.ini
in_root quantscope-cli run /tmp/int8.tflite --input input=$s/images/burger.jpg --mean=127.5 --std=127.5 --resize=224x224 \
  --labels=$s/imagenet_labels_1001.txt --top=1 --output-dir /tmp/out | head -1
echo "== desktop integration"
for f in /usr/share/applications/io.github.quantscope.Quantscope.desktop /usr/share/metainfo/io.github.quantscope.Quantscope.metainfo.xml \
         /usr/share/mime/packages/quantscope.xml /usr/share/icons/hicolor/scalable/apps/quantscope.svg \
         /usr/share/icons/hicolor/48x48/apps/quantscope.png /usr/share/man/man1/quantscope-cli.1.gz; do
  test -s "$target$f" && echo "ok $f"
done
grep -q '^Name\[zh_CN\]=' "$target/usr/share/applications/io.github.quantscope.Quantscope.desktop" && echo "ok Chinese name"
appstreamcli validate --no-net "$target/usr/share/metainfo/io.github.quantscope.Quantscope.metainfo.xml" | tail -1
echo "== purge"
in_root dpkg -L quantscope | grep -E '^/usr/(bin|share/(quantscope|applications|metainfo|icons|man|mime|doc))/' | grep -v '/$' > "$target/tmp/files" || true
in_root apt-get purge -y -q quantscope >/dev/null
left=0
while read -r f; do [ -e "$target$f" ] && [ ! -d "$target$f" ] && { echo "left behind: $f"; left=1; }; done < "$target/tmp/files"
[ -e "$target/usr/share/quantscope" ] && { echo "left behind: /usr/share/quantscope"; left=1; }
[ "$left" = 0 ] && echo "ok nothing left behind ($(wc -l < "$target/tmp/files") files removed)"
echo "== passed"
