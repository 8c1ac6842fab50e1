#!/usr/bin/env bash
# README command 1: installs what is needed, builds, and runs the main job on the embedded sample
# (resources/samples: MobileNet V1 0.25 and five photos).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/installer/install-deps.sh"
"$root/installer/build.sh"

cli="$root/build/app/quantscope-cli"
sample="$root/resources/samples"
out="$root/build/sample-job"
mkdir -p "$out"
echo
echo "== The sample model"
"$cli" inspect "$sample/mobilenet_v1_0.25_224.tflite"
echo
echo "== Classifying the sample photos (float model; results in $out)"
for image in "$sample"/images/*.jpg; do
  "$cli" run "$sample/mobilenet_v1_0.25_224.tflite" --input "input=$image" --format=RGB --mean=127.5 --std=127.5 \
    --resize=224x224 --labels="$sample/imagenet_labels_1001.txt" --top=3 --output-dir "$out/$(basename "$image" .jpg)" >/dev/null
done
echo
echo "Done. Outputs (numpy .npy) are in $out"
