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
# classify MODEL PREFIX: the top 3 classes of each sample photo; outputs in $out/PREFIX<photo>/
classify() {
  for image in "$sample"/images/*.jpg; do
    "$cli" run "$1" --input "input=$image" --format=RGB --mean=127.5 --std=127.5 \
      --resize=256x256 --keep-aspect --crop=224x224 --labels="$sample/imagenet_labels_1001.txt" --top=3 --output-dir "$out/$2$(basename "$image" .jpg)" >/dev/null
  done
}
echo
echo "== The sample model"
"$cli" inspect "$sample/mobilenet_v1_0.25_224.tflite"
echo
echo "== Classifying the sample photos (float model; results in $out)"
classify "$sample/mobilenet_v1_0.25_224.tflite" ""
echo
echo "== Quantizing the sample to int8 (QDQ ONNX and int8 TFLite), calibrating on the sample photos"
cat > "$out/full_quant.ini" <<INI
[common_quant_param]
quant_type=FULL_QUANT
bit_num=8
debug_info_save_path=$out/debug

[data_preprocess_param]
calibrate_path=input:$sample/images
calibrate_size=5
input_type=IMAGE
image_to_format=RGB
normalize_mean=[127.5, 127.5, 127.5]
normalize_std=[127.5, 127.5, 127.5]
resize_width=256
resize_height=256
center_crop_width=224
center_crop_height=224

[full_quant_param]
activation_quant_method=MAX_MIN
per_channel=true
bias_correction=true

[quantscope_param]
resize_keep_aspect=true
INI
"$cli" validate "$out/full_quant.ini" --model "$sample/mobilenet_v1_0.25_224.onnx"
"$cli" convert --fmk=ONNX --modelFile="$sample/mobilenet_v1_0.25_224.onnx" --outputFile="$out/mobilenet_v1_0.25_224_int8.onnx" \
  --configFile="$out/full_quant.ini"
"$cli" convert --fmk=TFLITE --modelFile="$sample/mobilenet_v1_0.25_224.tflite" --outputFile="$out/mobilenet_v1_0.25_224_int8.tflite" \
  --configFile="$out/full_quant.ini"
echo
echo "== Weight-only quantization with mixed bits (no calibration data needed)"
printf '[common_quant_param]\nquant_type=WEIGHT_QUANT\nbit_num=0\n[mixed_bit_weight_quant_param]\ninit_scale=0.02\n' > "$out/mixed_bit.ini"
"$cli" convert --fmk=ONNX --modelFile="$sample/mobilenet_v1_0.25_224.onnx" --outputFile="$out/mobilenet_v1_0.25_224_mixed.onnx" \
  --configFile="$out/mixed_bit.ini"
echo
echo "== Classifying the sample photos with the int8 model"
classify "$out/mobilenet_v1_0.25_224_int8.onnx" int8-
echo
classify "$out/mobilenet_v1_0.25_224_int8.tflite" int8-tflite-
echo
echo "Done. Float and int8 outputs (numpy .npy), the int8 ONNX and TFLite models, the mixed-bit model, their configs"
echo "and the debug reports are in $out"
# With a display, the same job in the desktop application: the sample opened with its photos set up for calibration.
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QUANTSCOPE_NO_GUI:-}" ]; then
  echo "Opening the sample in Quantscope (Ctrl+R runs the quantization)..."
  "$root/build/app/quantscope" --sample &
else
  echo "(No display: ran headless. With a display this command also opens the GUI on the sample: quantscope --sample.)"
fi
