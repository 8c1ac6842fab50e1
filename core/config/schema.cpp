#include "config/schema.h"

#include <algorithm>

namespace qs {

const std::vector<SectionSchema>& configSections()
{
    static const std::vector<SectionSchema> s = {
        {"common_quant_param", "Quantization type and the parameters all types share.", "量化类型及各类量化共用的参数。"},
        {"mixed_bit_weight_quant_param", "Mixed-bit weight quantization (bit_num=0).", "混合比特权重量化参数（bit_num=0 时生效）。"},
        {"weight_quant_param", "Fixed-bit weight quantization.", "固定比特权重量化参数。"},
        {"full_quant_param", "Full (weights and activations) int8 quantization.", "全量化（权重与激活）参数。"},
        {"data_preprocess_param", "Calibration data and its preprocessing.", "校准数据集及其预处理参数。"},
        {"dynamic_quant_param", "Dynamic quantization.", "动态量化参数。"},
        {"ascend_context", "Ascend options; kept and passed through unchanged.", "Ascend 相关配置，原样保留并透传。", true},
        {"quantscope_param", "Quantscope's own options, beyond MindSpore Lite's (converter_lite reads only the sections it knows, so "
                             "a config with this section still ports back).",
         "Quantscope 自有选项，MindSpore Lite 之外的扩展（converter_lite 只读取它认识的节，带此节的配置仍可用于 converter_lite）。"},
    };
    return s;
}

const std::vector<KeySchema>& configKeys()
{
    using T = KeyType;
    auto key = [](std::string section, std::string name, T type, std::string def, std::string en, std::string zh) {
        KeySchema k;
        k.section = std::move(section);
        k.name = std::move(name);
        k.type = type;
        k.defaultValue = std::move(def);
        k.docEn = std::move(en);
        k.docZh = std::move(zh);
        return k;
    };
    auto range = [](KeySchema k, double lo, double hi, bool loEx = false, bool hiEx = false) {
        k.min = lo;
        k.max = hi;
        k.minExclusive = loEx;
        k.maxExclusive = hiEx;
        return k;
    };
    auto oneOf = [](KeySchema k, std::vector<std::string> v) {
        k.values = std::move(v);
        return k;
    };
    auto required = [](KeySchema k) {
        k.required = true;
        return k;
    };
    auto switchesOn = [](KeySchema k) {
        k.givenSwitchesOn = true;
        return k;
    };
    static const std::vector<KeySchema> keys = {
        required(oneOf(key("common_quant_param", "quant_type", T::Enum, "",
                           "WEIGHT_QUANT quantizes weights only; FULL_QUANT weights and activations (needs calibration data); "
                           "DYNAMIC_QUANT weights offline and activations at run time.",
                           "WEIGHT_QUANT 仅量化权重；FULL_QUANT 量化权重与激活（需要校准数据）；DYNAMIC_QUANT 离线量化权重、运行时量化激活。"),
                       {"WEIGHT_QUANT", "FULL_QUANT", "DYNAMIC_QUANT"})),
        range(key("common_quant_param", "bit_num", T::Int, "8",
                  "Bits of quantized weights. Weight quantization: 1-16 fixed, 0 mixed-bit. Full and dynamic quantization: 8.",
                  "量化比特数。权重量化：1-16 为固定比特，0 为混合比特；全量化与动态量化：8。"),
              0, 16),
        range(key("common_quant_param", "min_quant_weight_size", T::Int, "0",
                  "Weights with more elements than this are quantized; smaller ones stay float.",
                  "权重元素个数大于该值时才量化，否则保持浮点。"),
              0, 65535),
        range(key("common_quant_param", "min_quant_weight_channel", T::Int, "16",
                  "Weights with more channels than this are quantized; others stay float.",
                  "权重通道数大于该值时才量化，否则保持浮点。"),
              0, 65535),
        key("common_quant_param", "skip_quant_node", T::NameList, "",
            "Names of nodes that stay float, separated by commas.", "不量化的节点名称，多个以逗号分隔。"),
        key("common_quant_param", "debug_info_save_path", T::Path, "",
            "Folder for the debug reports output_summary.csv, round_*.csv and quant_param.csv.",
            "量化调试信息（output_summary.csv、round_*.csv、quant_param.csv）的保存目录。"),
        key("common_quant_param", "enable_encode", T::Bool, "true",
            "Store weights compactly (sub-byte encoding) where the format allows it. May be false only with bit_num 8 or 16.",
            "权重量化压缩编码开关；仅当 bit_num 为 8 或 16 时可设为 false。"),
        range(key("mixed_bit_weight_quant_param", "init_scale", T::Float, "0.02",
                  "Initial scale of the mixed-bit search, in (0, 1). Larger compresses more and loses more accuracy.",
                  "混合比特搜索的初始 scale，取值 (0, 1)。越大压缩率越高，精度损失也越大。"),
              0, 1, true, true),
        key("mixed_bit_weight_quant_param", "auto_tune", T::Bool, "false",
            "Search init_scale so that the model output's cosine similarity lands near 0.995.",
            "自动搜索 init_scale，使模型输出的余弦相似度约为 0.995。"),
        key("mixed_bit_weight_quant_param", "use_cv_data", T::Bool, "false",
            "Search init_scale on the calibration data ([data_preprocess_param]), as auto_tune does.",
            "在校准数据（[data_preprocess_param]）上搜索 init_scale，同 auto_tune。"),
        range(key("mixed_bit_weight_quant_param", "max_iterations", T::Int, "10",
                  "Most steps the init_scale search takes (auto_tune or use_cv_data).", "init_scale 搜索的最大迭代次数（auto_tune 或 use_cv_data）。"),
              1, 100),
        oneOf(key("weight_quant_param", "dequant_strategy", T::Enum, "",
                  "ON_THE_FLY: dequantize weights at run time (Ascend).", "ON_THE_FLY：运行时在线反量化（Ascend）。"),
              {"ON_THE_FLY"}),
        key("weight_quant_param", "per_channel", T::Bool, "true", "Per-channel (true) or per-layer (false) weight scales.",
            "按通道（true）或按层（false）量化权重。"),
        key("weight_quant_param", "bias_correction", T::Bool, "true",
            "Correct the quantization error of the weights: keep each channel's mean output (with calibration data, "
            "also for dynamic quantization), else each channel's mean and spread.",
            "是否对量化误差进行校正：有校准数据时保持每个通道的输出均值（动态量化同样适用），否则保持每个通道权重的均值与方差。"),
        oneOf(key("full_quant_param", "activation_quant_method", T::Enum, "MAX_MIN",
                  "How activation ranges are chosen: MAX_MIN (observed range), KL (KL divergence), REMOVAL_OUTLIER "
                  "(clip rare extremes); PaddleSlim's ABS_MAX (largest magnitude), AVG (per-sample largest magnitude, "
                  "averaged), HIST (99.999th percentile of magnitudes), MSE (least squared error).",
                  "激活量化算法：MAX_MIN（最大最小值）、KL（KL 散度）、REMOVAL_OUTLIER（剔除离群值）；PaddleSlim 的 "
                  "ABS_MAX（最大绝对值）、AVG（各样本最大绝对值的平均）、HIST（绝对值的 99.999% 分位数）、MSE（最小均方误差）。"),
              {"MAX_MIN", "KL", "REMOVAL_OUTLIER", "ABS_MAX", "AVG", "HIST", "MSE"}),
        key("full_quant_param", "bias_correction", T::Bool, "true",
            "Remove the mean output error of each channel using the calibration data.", "利用校准数据校正每个通道的平均输出误差。"),
        key("full_quant_param", "per_channel", T::Bool, "true", "Per-channel (true) or per-layer (false) weight scales.",
            "按通道（true）或按层（false）量化权重。"),
        switchesOn(range(key("full_quant_param", "smooth_alpha", T::Float, "0.5",
                  "SmoothQuant: divide each input channel of MatMul/Gemm/Conv activations by max|x|^alpha / max|w|^(1 - alpha) "
                  "and multiply the weights by it, moving activation outliers into the per-channel weights. Given (or with "
                  "enable_smooth_shift), smoothing is on; 0 or 1 scale nothing. Applies where the division folds into the "
                  "constants of the op computing the activation (a weighted op, BatchNormalization, a Mul/Div/Add/Sub with a "
                  "constant such as LayerNorm's, Relu); the float function stays the same.",
                  "SmoothQuant：把 MatMul/Gemm/Conv 输入激活的每个通道除以 max|x|^alpha / max|w|^(1 - alpha)，权重乘以该值，"
                  "将激活的离群值转移到按通道量化的权重中。设置此项（或 enable_smooth_shift）即启用；0 或 1 不缩放。仅在除法可并入"
                  "计算该激活的算子常量时生效（带权重算子、BatchNormalization、与常量相乘/除/加/减如 LayerNorm、Relu），浮点函数不变。"),
              0, 1)),
        key("full_quant_param", "enable_smooth_shift", T::Bool, "false",
            "SmoothQuant with shift: centre each channel (subtract (min + max) / 2) before smoothing and add the shift "
            "times the weights to the readers' biases; for readers with a bias and no padding (smooth_alpha defaults to 0.5).",
            "带平移的 SmoothQuant：平滑前先将每个通道减去 (min + max) / 2 使其居中，并把平移量乘权重加到读取算子的偏置上；"
            "仅适用于有偏置且无填充的算子（smooth_alpha 默认 0.5）。"),
        oneOf(key("full_quant_param", "target_device", T::Enum, "",
                  "Hardware backend: NVGPU, DSP, ASCEND or KIRIN (older NPU configs). Quantscope exports a generic int8 "
                  "model and keeps the value.",
                  "目标硬件：NVGPU、DSP、ASCEND 或 KIRIN（旧版 NPU 配置）。Quantscope 导出通用 int8 模型并保留该值。"),
              {"NVGPU", "DSP", "ASCEND", "KIRIN"}),
        required(key("data_preprocess_param", "calibrate_path", T::CalibratePath, "",
                     "Calibration data folders per model input: input_name:/dir[,input_name2:/dir2].",
                     "各模型输入的校准数据目录：input_name:/dir[,input_name2:/dir2]。")),
        required(range(key("data_preprocess_param", "calibrate_size", T::Int, "",
                           "How many calibration samples to use.", "使用的校准样本数量。"),
                       1, 65535)),
        required(oneOf(key("data_preprocess_param", "input_type", T::Enum, "",
                           "IMAGE: image files, preprocessed below. BIN: raw .bin files that already match the input.",
                           "IMAGE：图片文件，按下列参数预处理；BIN：已满足输入要求的 .bin 二进制文件。"),
                       {"IMAGE", "BIN"})),
        oneOf(key("data_preprocess_param", "image_to_format", T::Enum, "", "Colour format fed to the model: RGB, BGR or GRAY.",
                  "输入模型的图像格式：RGB、BGR 或 GRAY。"),
              {"RGB", "GRAY", "BGR"}),
        key("data_preprocess_param", "normalize_mean", T::FloatList, "",
            "Per-channel mean: dst = (src - mean) / std. 3 values for RGB/BGR, 1 for GRAY.",
            "归一化均值：dst = (src - mean) / std。RGB/BGR 为 3 个值，GRAY 为 1 个。"),
        key("data_preprocess_param", "normalize_std", T::FloatList, "",
            "Per-channel standard deviation: dst = (src - mean) / std. Must not be 0.",
            "归一化标准差：dst = (src - mean) / std，不能为 0。"),
        range(key("data_preprocess_param", "resize_width", T::Int, "", "Resize the image to this width.", "图像缩放宽度。"), 1, 65535),
        range(key("data_preprocess_param", "resize_height", T::Int, "", "Resize the image to this height.", "图像缩放高度。"), 1, 65535),
        oneOf(key("data_preprocess_param", "resize_method", T::Enum, "", "LINEAR, NEAREST or CUBIC interpolation.",
                  "缩放插值算法：LINEAR、NEAREST 或 CUBIC。"),
              {"LINEAR", "NEAREST", "CUBIC"}),
        range(key("data_preprocess_param", "center_crop_width", T::Int, "", "Width of the center crop.", "中心裁剪宽度。"), 1, 65535),
        range(key("data_preprocess_param", "center_crop_height", T::Int, "", "Height of the center crop.", "中心裁剪高度。"), 1, 65535),
        oneOf(key("dynamic_quant_param", "quant_strategy", T::Enum, "ALWC",
                  "ALWC: activations per layer, weights per channel. ACWL: activations per channel, weights per layer.",
                  "ALWC：激活按层、权重按通道；ACWL：激活按通道、权重按层。"),
              {"ALWC", "ACWL"}),
        key("quantscope_param", "quantizable_op_type", T::NameList, "",
            "PaddleSlim: quantize only these op types (PaddleSlim names such as conv2d, depthwise_conv2d, mul, pool2d, "
            "elementwise_add, concat, or the model's own op names). Empty: for full quantization every op type Quantscope "
            "quantizes; for dynamic quantization every weighted op except depthwise convolutions, whose channels each read "
            "a single input channel and lose the most to a run-time scale shared by all of them.",
            "PaddleSlim：只量化这些算子类型（PaddleSlim 名称，如 conv2d、depthwise_conv2d、mul、pool2d、elementwise_add、"
            "concat，或模型自身的算子名）。留空时：全量化量化所有支持的算子类型；动态量化量化除深度卷积外的所有带权重算子"
            "（深度卷积的每个通道只读一个输入通道，共用一个运行时量化尺度时损失最大）。"),
        key("quantscope_param", "is_full_quantize", T::Bool, "false",
            "PaddleSlim: true quantizes every op type Quantscope supports, whatever quantizable_op_type says.",
            "PaddleSlim：true 表示量化所有支持的算子类型，忽略 quantizable_op_type。"),
        range(key("quantscope_param", "threshold_rate", T::Float, "0",
                  "Paddle Lite, weight quantization: clip each channel's weights at the (1 - threshold_rate) quantile of their "
                  "magnitudes before choosing the scale; 0 keeps the largest weight.",
                  "Paddle Lite，权重量化：按通道将权重绝对值截断到 (1 - threshold_rate) 分位数后再确定 scale；0 表示保留最大值。"),
              0, 0.1),
        range(key("quantscope_param", "target_cosine", T::Float, "0",
                  "Full and weight quantization: keep the most sensitive weighted nodes float, one at a time, until the model "
                  "output's mean cosine against float reaches this on held-back calibration samples (ranked on the first half "
                  "of them, measured on the rest). convert writes the nodes it chose into <output>.ini as skip_quant_node, "
                  "which replays without searching. 0: no search.",
                  "全量化与权重量化：按敏感度依次将最敏感的带权重节点保留为浮点，直到模型输出与浮点输出的平均余弦相似度在留出的"
                  "校准样本上达到该值（用前一半校准样本排序，用其余样本度量）。convert 将选中的节点作为 skip_quant_node 写入 "
                  "<输出>.ini，重放时无需再次搜索。0 表示不搜索。"),
              0, 1),
        key("quantscope_param", "cross_layer_equalization", T::Bool, "false",
            "Full, weight and dynamic quantization: before calibrating, rescale each pair of weighted nodes joined directly "
            "or through Relu/LeakyRelu/PRelu so that the first one's output channels and the second one's input channels "
            "have equal weight ranges (Nagel et al.'s cross-layer equalization). The float function stays the same; the "
            "int8 grids fit every channel better, most of all with per_channel=false. Bounded activations (ReLU6, Clip "
            "with a maximum, HardSwish) end a pair.",
            "全量化、权重量化与动态量化：校准前，对直接相连或经 Relu/LeakyRelu/PRelu 相连的每对带权重节点重新缩放，使前者的"
            "输出通道与后者的输入通道权重范围相同（Nagel 等人的跨层均衡）。浮点函数不变；int8 网格更贴合每个通道，"
            "per_channel=false 时效果最明显。有界激活（ReLU6、带上限的 Clip、HardSwish）不参与配对。"),
        key("quantscope_param", "activation_equalization", T::Bool, "true",
            "Full quantization: after measuring each activation's channels on the calibration data, divide channel c by s_c so "
            "that narrow channels fill the tensor's int8 range like the widest one, where that costs nothing elsewhere: the op "
            "computing the tensor takes the division (a weighted op, BatchNormalization, Mul/Div/Add/Sub by a constant, Relu) "
            "and every reader takes the multiplication (a depthwise convolution with per_channel=true, a Mul or Div by a "
            "constant). The float function stays the same. On by default: where a tensor qualifies, one more float pass over "
            "up to 32 calibration samples; false turns it off.",
            "全量化：在校准数据上测量每个激活张量的各通道后，将通道 c 除以 s_c，使窄通道像最宽的通道一样占满该张量的 int8 "
            "范围，仅在别处不付代价时进行：计算该张量的算子吸收除法（带权重算子、BatchNormalization、与常量的 Mul/Div/Add/Sub、"
            "Relu），每个读取者吸收乘法（per_channel=true 时的深度卷积、与常量的 Mul 或 Div）。浮点函数不变。默认开启：若有张量"
            "符合条件，需在至多 32 个校准样本上多做一次浮点推理；设为 false 关闭。"),
        oneOf(key("quantscope_param", "round_type", T::Enum, "ROUND",
                  "Full quantization, PaddleSlim's round_type: how weights are rounded onto their int8 grid. ROUND: to nearest. "
                  "ADAROUND: each weight down or up, chosen to minimise the error the node adds to its output on the "
                  "calibration data (AdaRound's objective, layer by layer on the int8 inputs); helps most at 4 to 7 weight bits.",
                  "全量化，PaddleSlim 的 round_type：权重取整到 int8 网格的方式。ROUND：四舍五入。ADAROUND：逐个权重选择向下或"
                  "向上取整，使节点在校准数据上的输出误差最小（AdaRound 的目标，逐层、以 int8 输入计算）；权重 4 到 7 比特时收益最大。"),
              {"ROUND", "ADAROUND"}),
        range(key("quantscope_param", "weight_bits", T::Int, "8",
                  "Full and dynamic quantization, PaddleSlim's weight_bits: bits of the weight grid (2 to 8), stored as int8 "
                  "(values within +-(2^(bits-1) - 1)). reduce_range caps it at 7.",
                  "全量化与动态量化，PaddleSlim 的 weight_bits：权重网格的比特数（2 到 8），以 int8 存储"
                  "（取值在 ±(2^(bits-1) - 1) 以内）。reduce_range 将其限制为 7。"),
              2, 8),
        range(key("quantscope_param", "node_weight_bits", T::NodeMap, "",
                  "Per node: the bits of its weight grid, as node:bits pairs (conv1:4,conv2:6). Full and dynamic quantization "
                  "take 2 to 8 (stored as int8), weight quantization 1 to 16 (also with bit_num=0, whose mixed bits the node "
                  "then does not choose). The other weighted nodes keep weight_bits or bit_num.",
                  "按节点设置权重网格的比特数，格式为 节点:比特（conv1:4,conv2:6）。全量化与动态量化取 2 到 8（以 int8 存储），"
                  "权重量化取 1 到 16（bit_num=0 时也生效，该节点不再参与混合比特选择）。其余带权重节点仍用 weight_bits 或 bit_num。"),
              1, 16),
        oneOf(key("quantscope_param", "node_activation_quant_method", T::NodeMap, "",
                  "Full quantization, per node: the range method of its output activations, as node:method pairs "
                  "(conv1:KL,conv2:REMOVAL_OUTLIER). The other nodes keep activation_quant_method.",
                  "全量化，按节点设置其输出激活的量化范围算法，格式为 节点:算法（conv1:KL,conv2:REMOVAL_OUTLIER）。其余节点仍用 "
                  "activation_quant_method。"),
              {"MAX_MIN", "KL", "REMOVAL_OUTLIER"}),
        key("quantscope_param", "int16_activation_node", T::NameList, "",
            "Full quantization: nodes whose activations (the tensors they read and write) are int16 instead of int8, for "
            "the nodes whose error an 8-bit grid cannot hold. ONNX: int16 QuantizeLinear/DequantizeLinear (ONNX Runtime's "
            "com.microsoft ops below opset 21); the node computes in float between them. TFLite has int16 activations for "
            "the whole model or none: these nodes stay float there.",
            "全量化：这些节点的激活（其读写的张量）使用 int16 而非 int8，用于 8 比特网格容不下误差的节点。ONNX：int16 的 "
            "QuantizeLinear/DequantizeLinear（opset 21 以下为 ONNX Runtime 的 com.microsoft 算子），节点在两者之间以浮点计算。"
            "TFLite 的 int16 激活只能整模型使用或不用：这些节点在 TFLite 中保持浮点。"),
        key("quantscope_param", "resize_keep_aspect", T::Bool, "false",
            "Image preprocessing: true scales each image, keeping its aspect ratio, until it covers resize_width x "
            "resize_height, then cuts that size from its centre (with resize 256x256 and center_crop 224x224: the usual "
            "ImageNet evaluation crop). false stretches the image to the size, as converter_lite does.",
            "图像预处理：true 表示保持宽高比缩放每张图像直至覆盖 resize_width × resize_height，再从中心裁出该尺寸"
            "（配合 resize 256x256 与 center_crop 224x224 即常用的 ImageNet 评估裁剪）。false 表示拉伸到该尺寸，与 converter_lite 相同。"),
        key("quantscope_param", "reduce_range", T::Bool, "false",
            "Full and dynamic quantization: 7-bit weights in int8 ([-64, 63]), as ONNX Runtime's reduce_range. ONNX Runtime's "
            "int8 products on x86 CPUs without VNNI (AVX2, early AVX-512) add pairs of uint8 x int8 in 16 bits, which 8-bit "
            "weights can overflow: the exported model then computes something else there than on other CPUs. Costs one bit "
            "of weight precision.",
            "全量化与动态量化：权重使用 7 比特（int8 中的 [-64, 63]），同 ONNX Runtime 的 reduce_range。ONNX Runtime 在不支持 "
            "VNNI 的 x86 CPU（AVX2、早期 AVX-512）上以 16 位累加 uint8 × int8 的乘积对，8 比特权重可能溢出，导出的模型在这些 "
            "CPU 上的结果与其他 CPU 不同。代价是权重少 1 比特精度。"),
    };
    return keys;
}

const SectionSchema* findSection(std::string_view name)
{
    for (const SectionSchema& s : configSections())
        if (s.name == name) return &s;
    return nullptr;
}

const KeySchema* findKey(std::string_view section, std::string_view key)
{
    for (const KeySchema& k : configKeys())
        if (k.section == section && k.name == key) return &k;
    return nullptr;
}

std::string nearestName(std::string_view name, const std::vector<std::string>& candidates)
{
    auto distance = [](std::string_view a, std::string_view b) {
        std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
        for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
        for (size_t i = 1; i <= a.size(); ++i) {
            cur[0] = i;
            for (size_t j = 1; j <= b.size(); ++j)
                cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                                   prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1)});
            std::swap(prev, cur);
        }
        return prev[b.size()];
    };
    auto lowered = [](std::string_view s) {
        std::string out(s);
        for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
        return out;
    };
    // A name that is a prefix of a candidate (FULL -> FULL_QUANT) is the likeliest intent.
    if (name.size() >= 3)
        for (const std::string& c : candidates)
            if (lowered(c).rfind(lowered(name), 0) == 0) return c;
    std::string best;
    size_t bestD = std::max<size_t>(3, name.size() / 3) + 1;
    for (const std::string& c : candidates) {
        size_t d = distance(name, c);
        if (d < bestD) {
            bestD = d;
            best = c;
        }
    }
    return best;
}

std::string_view keyTypeName(KeyType t)
{
    switch (t) {
    case KeyType::String: return "string";
    case KeyType::Int: return "integer";
    case KeyType::Float: return "number";
    case KeyType::Bool: return "boolean";
    case KeyType::Enum: return "choice";
    case KeyType::FloatList: return "number list";
    case KeyType::NameList: return "name list";
    case KeyType::Path: return "path";
    case KeyType::CalibratePath: return "input:folder list";
    case KeyType::NodeMap: return "node:value list";
    }
    return "string";
}

}  // namespace qs
