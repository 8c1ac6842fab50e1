<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>main</name>
    <message>
        <source>Interactive post-training quantization of neural networks</source>
        <translation>交互式神经网络训练后量化工具</translation>
    </message>
    <message>
        <source>Open the embedded sample model with its photos set up for calibration.</source>
        <translation>打开内置示例模型，并配置好其校准照片。</translation>
    </message>
    <message>
        <source>Save the documentation screenshots into &lt;dir&gt; and quit.</source>
        <translation>将文档截图保存到 &lt;dir&gt; 后退出。</translation>
    </message>
    <message>
        <source>dir</source>
        <translation>目录</translation>
    </message>
    <message>
        <source>An ONNX or TFLite model, or a Quantscope project (.quantscope.yaml), to open.</source>
        <translation>要打开的 ONNX 或 TFLite 模型，或 Quantscope 项目（.quantscope.yaml）。</translation>
    </message>
</context>
<context>
    <name>qs::GraphMinimap</name>
    <message>
        <source>Overview of the whole graph: click or drag to move the view there</source>
        <translation>整个图的概览：单击或拖动以将视图移到该处</translation>
    </message>
</context>
<context>
    <name>qs::GraphView</name>
    <message>
        <source>Toggle Skip (keep %1 in float)</source>
        <translation>切换跳过（%1 保持浮点）</translation>
    </message>
    <message>
        <source>cosine</source>
        <translation>余弦</translation>
    </message>
    <message>
        <source>float</source>
        <translation>浮点</translation>
    </message>
    <message>
        <source>Each quantized node in the colour of its worst tensor&apos;s cosine on this run&apos;s scale: the worst node red, the best green; nodes left float grey</source>
        <translation>每个量化节点按其最差张量的余弦相似度着色，色阶取本次运行的范围：最差为红色，最好为绿色；保持浮点的节点为灰色</translation>
    </message>
    <message>
        <source>Back to the graph around this one (Backspace)</source>
        <translation>返回外层图 (Backspace)</translation>
    </message>
    <message numerus="yes">
        <source>Open %1 (%n node(s))</source>
        <translation>
            <numerusform>打开 %1（%n 个节点）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>qs::MainWindow</name>
    <message>
        <source>Open Model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>About Quantscope</source>
        <translation>关于 Quantscope</translation>
    </message>
    <message>
        <source>&lt;b&gt;Quantscope %1&lt;/b&gt;&lt;p&gt;Interactive post-training quantization of neural networks.&lt;/p&gt;</source>
        <translation>&lt;b&gt;Quantscope %1&lt;/b&gt;&lt;p&gt;交互式神经网络训练后量化工具。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Quantscope</source>
        <translation>Quantscope</translation>
    </message>
    <message>
        <source>%1 - Quantscope</source>
        <translation>%1 - Quantscope</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Open Model...</source>
        <translation>打开模型(&amp;O)...</translation>
    </message>
    <message>
        <source>Open an ONNX or TFLite model (Ctrl+O)</source>
        <translation>打开 ONNX 或 TFLite 模型 (Ctrl+O)</translation>
    </message>
    <message>
        <source>Open &amp;Sample Model</source>
        <translation>打开示例模型(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Find Node</source>
        <translation>查找节点(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;About Quantscope</source>
        <translation>关于 Quantscope(&amp;A)</translation>
    </message>
    <message>
        <source>Property</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Open a model with Ctrl+O, or drop an .onnx or .tflite file here.</source>
        <translation>按 Ctrl+O 打开模型，或将 .onnx / .tflite 文件拖到此处。</translation>
    </message>
    <message>
        <source>Loading %1...</source>
        <translation>正在加载 %1...</translation>
    </message>
    <message>
        <source>Could not open the model.</source>
        <translation>无法打开模型。</translation>
    </message>
    <message>
        <source>Could not open the model</source>
        <translation>无法打开模型</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>ONNX (opset %1)</source>
        <translation>ONNX (opset %1)</translation>
    </message>
    <message>
        <source>TFLite</source>
        <translation>TFLite</translation>
    </message>
    <message>
        <source>Producer</source>
        <translation>生成工具</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>%L1 (%L2 bytes)</source>
        <translation>%L1 (%L2 字节)</translation>
    </message>
    <message>
        <source>Operators</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Unsupported</source>
        <translation>不支持</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>%1 · %2 nodes · %L3 parameters</source>
        <translation>%1 · %2 个节点 · %L3 个参数</translation>
    </message>
    <message>
        <source>, about %1 s left</source>
        <translation>，约剩 %1 秒</translation>
    </message>
    <message>
        <source>%1 %v/%m</source>
        <translation>%1 %v/%m</translation>
    </message>
    <message>
        <source>%1: %2 of %3%4</source>
        <translation>%1：%2 / %3%4</translation>
    </message>
    <message>
        <source> · graph laid out in %1 ms</source>
        <translation> · 图布局用时 %1 毫秒</translation>
    </message>
    <message>
        <source>Export Quantized Model</source>
        <translation>导出量化模型</translation>
    </message>
    <message>
        <source>Models (*.%1)</source>
        <translation>模型 (*.%1)</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>Wrote %1</source>
        <translation>已写入 %1</translation>
    </message>
    <message>
        <source>Export Config</source>
        <translation>导出配置</translation>
    </message>
    <message>
        <source>INI files (*.ini *.cfg)</source>
        <translation>INI 文件 (*.ini *.cfg)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>MobileNet V1 0.25 with five photos set up for calibration</source>
        <translation>MobileNet V1 0.25，已配置五张校准照片</translation>
    </message>
    <message>
        <source>Open &amp;Project...</source>
        <translation>打开项目(&amp;P)...</translation>
    </message>
    <message>
        <source>&amp;Save Project...</source>
        <translation>保存项目(&amp;S)...</translation>
    </message>
    <message>
        <source>Save the model path, settings and skipped nodes as a .yaml project (Ctrl+S)</source>
        <translation>将模型路径、设置和跳过的节点保存为 .yaml 项目 (Ctrl+S)</translation>
    </message>
    <message>
        <source>&amp;Export Quantized Model...</source>
        <translation>导出量化模型(&amp;E)...</translation>
    </message>
    <message>
        <source>Write the quantized model: QDQ ONNX or int8 TFLite (Ctrl+E)</source>
        <translation>写出量化模型：QDQ ONNX 或 int8 TFLite (Ctrl+E)</translation>
    </message>
    <message>
        <source>Export &amp;Config...</source>
        <translation>导出配置(&amp;C)...</translation>
    </message>
    <message>
        <source>Write the settings as the INI file quantscope-cli convert replays</source>
        <translation>将设置写成 quantscope-cli convert 可复现的 INI 文件</translation>
    </message>
    <message>
        <source>Fit &amp;Graph</source>
        <translation>适应窗口(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Run Quantization</source>
        <translation>运行量化(&amp;R)</translation>
    </message>
    <message>
        <source>Calibrate (when the data changed) and quantize in the background (Ctrl+R)</source>
        <translation>在后台校准（数据变化时）并量化 (Ctrl+R)</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <source>Stop the running calibration or quantization (Esc)</source>
        <translation>停止正在进行的校准或量化 (Esc)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Quantization Settings</source>
        <translation>量化设置</translation>
    </message>
    <message>
        <source>Graph</source>
        <translation>计算图</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Find nodes by name or operator (Ctrl+F)</source>
        <translation>按名称或算子查找节点 (Ctrl+F)</translation>
    </message>
    <message>
        <source>starting...</source>
        <translation>正在启动...</translation>
    </message>
    <message>
        <source>cancelling...</source>
        <translation>正在取消...</translation>
    </message>
    <message>
        <source>Cancelled. Run again with Ctrl+R.</source>
        <translation>已取消。按 Ctrl+R 重新运行。</translation>
    </message>
    <message>
        <source>Failed.</source>
        <translation>失败。</translation>
    </message>
    <message>
        <source>Quantization failed</source>
        <translation>量化失败</translation>
    </message>
    <message>
        <source>%1 nodes quantized · %2 KiB</source>
        <translation>已量化 %1 个节点 · %2 KiB</translation>
    </message>
    <message>
        <source>Save Project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <source>Quantscope projects (*.yaml)</source>
        <translation>Quantscope 项目 (*.yaml)</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Could not save the project</source>
        <translation>无法保存项目</translation>
    </message>
    <message>
        <source>Open Project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <source>Could not open the project</source>
        <translation>无法打开项目</translation>
    </message>
    <message>
        <source>&amp;Suggest Skips</source>
        <translation>建议跳过的节点(&amp;S)</translation>
    </message>
    <message>
        <source>Rank the quantized layers by how much the output improves when each alone stays float</source>
        <translation>按单独保持浮点时输出改善的程度为量化层排序</translation>
    </message>
    <message>
        <source>Export Debug &amp;Reports...</source>
        <translation>导出调试报告(&amp;R)...</translation>
    </message>
    <message>
        <source>Write output_summary.csv, round_*.csv and quant_param.csv (MindSpore Lite&apos;s columns)</source>
        <translation>写出 output_summary.csv、round_*.csv 和 quant_param.csv（MindSpore Lite 的列）</translation>
    </message>
    <message>
        <source>Properties</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>Attributes</source>
        <translation>属性参数</translation>
    </message>
    <message>
        <source>  weights: min %1, max %2</source>
        <translation>  权重：最小 %1，最大 %2</translation>
    </message>
    <message>
        <source>skipped (float)</source>
        <translation>已跳过（浮点）</translation>
    </message>
    <message>
        <source>quantized</source>
        <translation>已量化</translation>
    </message>
    <message>
        <source>float: %1</source>
        <translation>浮点：%1</translation>
    </message>
    <message>
        <source>float</source>
        <translation>浮点</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Export Debug Reports</source>
        <translation>导出调试报告</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>%1 bits, %2</source>
        <translation>%1 比特，%2</translation>
    </message>
    <message>
        <source>Rounding</source>
        <translation>舍入</translation>
    </message>
    <message>
        <source>keeps each channel&apos;s mean output on %1</source>
        <translation>保持每个通道在 %1 上的平均输出</translation>
    </message>
    <message>
        <source>%1 (%2): %3</source>
        <translation>%1（%2）：%3</translation>
    </message>
    <message numerus="yes">
        <source> · %n weighted operator(s) left float</source>
        <translation>
            <numerusform> · %n 个带权重算子仍为浮点</numerusform>
        </translation>
    </message>
    <message>
        <source>Not quantized although neither skip_quant_node nor a config rule asked for it:
%1</source>
        <translation>未被量化，但 skip_quant_node 和配置规则均未要求保持浮点：
%1</translation>
    </message>
    <message>
        <source>target_cosine %1</source>
        <translation>target_cosine %1</translation>
    </message>
    <message>
        <source>Output cosine %1 on %2 held-back calibration samples. Tried:
%3

Kept float: %4

They are now in skip_quant_node (Ctrl+Z takes them back).</source>
        <translation>在 %2 个留出的校准样本上输出余弦为 %1。尝试过：
%3

保留为浮点：%4

它们已写入 skip_quant_node（Ctrl+Z 可撤销）。</translation>
    </message>
    <message>
        <source>Open Config</source>
        <translation>打开配置</translation>
    </message>
    <message>
        <source>MindSpore Lite configs (*.ini *.cfg *.config);;All files (*)</source>
        <translation>MindSpore Lite 配置 (*.ini *.cfg *.config);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Could not open the config</source>
        <translation>无法打开配置</translation>
    </message>
    <message>
        <source>Open &amp;Config...</source>
        <translation>打开配置(&amp;C)...</translation>
    </message>
    <message>
        <source>Load a MindSpore Lite INI config into the settings, with its problems listed (Ctrl+Shift+O)</source>
        <translation>将 MindSpore Lite INI 配置载入设置并列出其中的问题 (Ctrl+Shift+O)</translation>
    </message>
    <message>
        <source>Config %1 loaded</source>
        <translation>已载入配置 %1</translation>
    </message>
    <message>
        <source>calibration</source>
        <translation>校准</translation>
    </message>
    <message>
        <source>quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>bias correction</source>
        <translation>偏置校正</translation>
    </message>
    <message>
        <source>comparison</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>sensitivity</source>
        <translation>敏感度分析</translation>
    </message>
    <message>
        <source>target_cosine search</source>
        <translation>target_cosine 搜索</translation>
    </message>
    <message>
        <source>auto_tune</source>
        <translation>auto_tune 搜索</translation>
    </message>
    <message>
        <source>debug reports</source>
        <translation>调试报告</translation>
    </message>
    <message>
        <source>Writing debug reports to %1... (Esc cancels)</source>
        <translation>正在将调试报告写入 %1...（按 Esc 取消）</translation>
    </message>
    <message>
        <source>Default (the config&apos;s)</source>
        <translation>默认（配置中的值）</translation>
    </message>
    <message>
        <source>Weight Bits</source>
        <translation>权重比特数</translation>
    </message>
    <message>
        <source>[quantscope_param] node_weight_bits: the bits of this node&apos;s weight grid instead of the config&apos;s</source>
        <translation>[quantscope_param] node_weight_bits：该节点权重网格的比特数，替代配置中的设置</translation>
    </message>
    <message>
        <source>Range Method</source>
        <translation>范围算法</translation>
    </message>
    <message>
        <source>[quantscope_param] node_activation_quant_method: how this node&apos;s output activation range is chosen</source>
        <translation>[quantscope_param] node_activation_quant_method：该节点输出激活的量化范围如何确定</translation>
    </message>
    <message>
        <source>W%1</source>
        <translation>W%1</translation>
    </message>
    <message>
        <source>Sensitivity</source>
        <translation>敏感度</translation>
    </message>
    <message>
        <source>Best node to skip: %1 (output cosine %2 -&gt; %3)</source>
        <translation>最值得跳过的节点：%1（输出余弦相似度 %2 -&gt; %3）</translation>
    </message>
    <message>
        <source>%1 · not exported: %2</source>
        <translation>%1 · 未导出：%2</translation>
    </message>
    <message>
        <source>The plan was measured in memory; writing it as a model failed:
%1</source>
        <translation>已在内存中度量该量化方案；将其写为模型时失败：
%1</translation>
    </message>
    <message numerus="yes">
        <source>%n most damaging weighted node(s) int16: output cosine %1, %2 of %3 weighted ops with int8 weights</source>
        <translation>
            <numerusform>最敏感的 %n 个带权重节点使用 int16 激活：输出余弦 %1，%3 个带权重算子中 %2 个使用 int8 权重</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n most damaging weighted node(s) float: output cosine %1, %2 of %3 weighted ops with int8 weights</source>
        <translation>
            <numerusform>最敏感的 %n 个带权重节点保留浮点：输出余弦 %1，%3 个带权重算子中 %2 个使用 int8 权重</numerusform>
        </translation>
    </message>
    <message>
        <source>The plan reaches output cosine %1 on %2 held-back calibration samples: target %3 met, no node raised.</source>
        <translation>当前方案在 %2 个留出的校准样本上输出余弦为 %1：已达到目标 %3，无需提高任何节点的精度。</translation>
    </message>
    <message>
        <source>Output cosine %1 on %2 held-back calibration samples. Tried:
%3

int16 activations: %4

They are now in int16_activation_node (Ctrl+Z takes them back).</source>
        <translation>在 %2 个留出的校准样本上输出余弦为 %1。尝试过：
%3

int16 激活：%4

它们已写入 int16_activation_node（Ctrl+Z 可撤销）。</translation>
    </message>
    <message>
        <source>16-bit Activations</source>
        <translation>16 位激活</translation>
    </message>
    <message>
        <source>[quantscope_param] int16_activation_node: a TFLite model has int16 activations for all its ops or none, so this node stays float</source>
        <translation>[quantscope_param] int16_activation_node：TFLite 模型的 int16 激活只能全模型使用或不用，因此该节点保持浮点</translation>
    </message>
    <message>
        <source>[quantscope_param] int16_activation_node: the tensors this node reads and writes get int16 instead of int8</source>
        <translation>[quantscope_param] int16_activation_node：该节点读写的张量使用 int16 而非 int8</translation>
    </message>
    <message>
        <source>A16</source>
        <translation>A16</translation>
    </message>
    <message>
        <source>Models and projects (*.onnx *.tflite *.yaml);;All files (*)</source>
        <translation>模型和项目 (*.onnx *.tflite *.yaml);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Loading the sample...</source>
        <translation>正在加载示例...</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>%1 int8 nodes, %2 with int16 activations</source>
        <translation>%1 个 int8 节点，%2 个使用 int16 激活</translation>
    </message>
    <message>
        <source>%1 int8 nodes</source>
        <translation>%1 个 int8 节点</translation>
    </message>
    <message>
        <source>output cosine %1 (%2 samples)</source>
        <translation>输出余弦 %1（%2 个样本）</translation>
    </message>
    <message>
        <source>, was %1</source>
        <translation>，之前为 %1</translation>
    </message>
    <message>
        <source>%1, %2 float · %3 · %4 KiB</source>
        <translation>%1，%2 个浮点 · %3 · %4 KiB</translation>
    </message>
    <message>
        <source>Quantscope projects (*.quantscope.yaml *.yaml)</source>
        <translation>Quantscope 项目 (*.quantscope.yaml *.yaml)</translation>
    </message>
    <message>
        <source>%1 int8 nodes planned · estimated from the calibration histograms, measuring...</source>
        <translation>已规划 %1 个 int8 节点 · 由校准直方图估计，正在测量...</translation>
    </message>
    <message>
        <source>Tensors measured on the first sample · comparing the outputs...</source>
        <translation>已在第一个样本上测得各张量 · 正在比较输出...</translation>
    </message>
    <message>
        <source>Output cosine: the quantized model&apos;s outputs against float on the first calibration samples. Mask IoU (probability-map outputs such as text detectors&apos;): overlap of the pixels above 0.3. Box match (box and score outputs): F1 of the detections above 0.5 whose boxes overlap at IoU 0.5 or more.</source>
        <translation>输出余弦：量化模型在前几个校准样本上的输出与浮点输出的余弦相似度。掩码 IoU（概率图输出，如文本检测器）：大于 0.3 的像素的重叠度。检测框匹配（检测框与得分输出）：得分高于 0.5、且框的 IoU 不低于 0.5 的检测结果的 F1。</translation>
    </message>
    <message>
        <source>, mask IoU %1</source>
        <translation>，掩码 IoU %1</translation>
    </message>
    <message>
        <source>, box match %1</source>
        <translation>，检测框匹配 %1</translation>
    </message>
    <message>
        <source>Tensors measured on the first sample, before bias correction and learned rounding · refining the plan...</source>
        <translation>已在第一个样本上测得各张量（偏差校正与学习舍入之前）· 正在细化量化方案...</translation>
    </message>
</context>
<context>
    <name>qs::ProjectDocument</name>
    <message>
        <source>Wait for the running job to finish, or cancel it (Esc).</source>
        <translation>请等待正在运行的任务结束，或取消它（Esc）。</translation>
    </message>
    <message>
        <source>Open a model first, and wait for the run to finish.</source>
        <translation>请先打开模型，并等待运行结束。</translation>
    </message>
    <message>
        <source>Open config %1</source>
        <translation>打开配置 %1</translation>
    </message>
    <message numerus="yes">
        <source>Give %n node(s) int16 activations for target_cosine</source>
        <translation>
            <numerusform>为 target_cosine 让 %n 个节点使用 int16 激活</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Keep %n node(s) float for target_cosine</source>
        <translation>
            <numerusform>为 target_cosine 保留 %n 个浮点节点</numerusform>
        </translation>
    </message>
    <message>
        <source>Wrote output_summary.csv, round_*.csv and quant_param.csv to %1</source>
        <translation>已将 output_summary.csv、round_*.csv 和 quant_param.csv 写入 %1</translation>
    </message>
    <message>
        <source>Debug report export cancelled.</source>
        <translation>已取消调试报告导出。</translation>
    </message>
    <message>
        <source>A run is in progress: export when it has finished.</source>
        <translation>正在运行：请在运行结束后导出。</translation>
    </message>
    <message>
        <source>The last run&apos;s plan could not be exported: %1</source>
        <translation>上次运行的量化方案无法导出：%1</translation>
    </message>
    <message>
        <source>Nothing to export yet: run the quantization first (Ctrl+R).</source>
        <translation>尚无可导出的内容：请先运行量化（Ctrl+R）。</translation>
    </message>
    <message>
        <source>Refusing to overwrite the model.</source>
        <translation>拒绝覆盖模型文件。</translation>
    </message>
    <message>
        <source>Open a model first.</source>
        <translation>请先打开模型。</translation>
    </message>
</context>
<context>
    <name>qs::ResultsView</name>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Tensor</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>缩放因子</translation>
    </message>
    <message>
        <source>Zero point</source>
        <translation>零点</translation>
    </message>
    <message>
        <source>Bits</source>
        <translation>位宽</translation>
    </message>
    <message>
        <source>Min</source>
        <translation>最小值</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>最大值</translation>
    </message>
    <message>
        <source>Clip %</source>
        <translation>截断率 %</translation>
    </message>
    <message>
        <source>Cosine</source>
        <translation>余弦相似度</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>跳过</translation>
    </message>
    <message>
        <source>Cosine similarity of the tensor before and after quantization: measured by the last run, or estimated from the calibration histogram (italic) after a change</source>
        <translation>张量量化前后的余弦相似度：来自上次运行的实测值，或修改后由校准直方图估算（斜体）</translation>
    </message>
    <message>
        <source>Keep this node in float (skip_quant_node)</source>
        <translation>此节点保持浮点（skip_quant_node）</translation>
    </message>
    <message>
        <source>tensor (graph order)</source>
        <translation>张量（按图顺序）</translation>
    </message>
    <message>
        <source>cosine</source>
        <translation>余弦</translation>
    </message>
    <message>
        <source>value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>count</source>
        <translation>计数</translation>
    </message>
    <message>
        <source>float</source>
        <translation>浮点</translation>
    </message>
    <message>
        <source>dequantized</source>
        <translation>反量化</translation>
    </message>
    <message>
        <source> (weight)</source>
        <translation>（权重）</translation>
    </message>
    <message>
        <source>per channel</source>
        <translation>按通道</translation>
    </message>
    <message>
        <source>per channel (%1)</source>
        <translation>按通道（%1）</translation>
    </message>
    <message>
        <source>%1: no calibration histogram (weights, or a skipped node)</source>
        <translation>%1：没有校准直方图（权重，或被跳过的节点）</translation>
    </message>
    <message>
        <source>%1 (%2): range [%3, %4], clip %5%, cosine %6</source>
        <translation>%1（%2）：范围 [%3, %4]，截断 %5%，余弦相似度 %6</translation>
    </message>
    <message>
        <source>clip %</source>
        <translation>截断 %</translation>
    </message>
    <message>
        <source>skipped: stays float</source>
        <translation>已跳过：保持浮点</translation>
    </message>
    <message>
        <source>%1%2: %3 bits, scale %4, zero point %5, clip %6%, cosine %7</source>
        <translation>%1%2：%3 位，缩放因子 %4，零点 %5，截断 %6%，余弦相似度 %7</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>之前</translation>
    </message>
    <message>
        <source>The cosine the run before this one measured for the tensor: compare before and after a change</source>
        <translation>上一次运行测得的该张量余弦：用于比较修改前后的效果</translation>
    </message>
    <message>
        <source>before</source>
        <translation>之前</translation>
    </message>
    <message>
        <source>now %1, before %2 (%3%4)</source>
        <translation>现在 %1，之前 %2（%3%4）</translation>
    </message>
    <message>
        <source>this run</source>
        <translation>本次运行</translation>
    </message>
    <message>
        <source>worst</source>
        <translation>最差</translation>
    </message>
    <message>
        <source>The range ends at %1, not at the calibrated extreme: beyond it the readers of this tensor compute the same (a HardSwish below -3, a Relu below 0), so nothing there is clipped and the int8 steps go to the values that count</source>
        <translation>范围止于 %1，而非校准得到的极值：超出部分，此张量的读取者计算结果相同（HardSwish 低于 -3、Relu 低于 0），因此那里没有截断，int8 的量化步长都留给有效的数值</translation>
    </message>
</context>
<context>
    <name>qs::SensitivityView</name>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Output cosine</source>
        <translation>输出余弦相似度</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <source>Run &gt; Suggest Skips ranks the weighted nodes by the model output reached when each alone stays float.</source>
        <translation>运行 &gt; 建议跳过：按单独将每个带权重节点保留为浮点时模型输出的余弦相似度对节点排序。</translation>
    </message>
    <message numerus="yes">
        <source>Output cosine of the plan: %1 on %n calibration sample(s). Each row: the output cosine with that node alone kept float, and the change.</source>
        <translation>
            <numerusform>当前方案的输出余弦相似度：%1（%n 个校准样本）。每行：仅将该节点保留为浮点时的输出余弦相似度及其变化。</numerusform>
        </translation>
    </message>
    <message>
        <source>Skip Top k</source>
        <translation>跳过前 k 个</translation>
    </message>
    <message>
        <source>Add the k best nodes of the ranking to skip_quant_node (one undo step)</source>
        <translation>将排名前 k 的节点加入 skip_quant_node（一步撤销）</translation>
    </message>
    <message>
        <source>Skip Until Cosine</source>
        <translation>跳过直到余弦达到</translation>
    </message>
    <message>
        <source>Run with [quantscope_param] target_cosine: keep the most sensitive nodes float, one at a time, measuring the output after each, until it reaches this cosine</source>
        <translation>以 [quantscope_param] target_cosine 运行：逐个将最敏感的节点保留为浮点，每步度量输出，直到达到该余弦相似度</translation>
    </message>
</context>
<context>
    <name>qs::SettingsEditor</name>
    <message>
        <source>Key</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>INI file (what the CLI replays):</source>
        <translation>INI 文件（CLI 复现所用）：</translation>
    </message>
    <message>
        <source>Default: %1</source>
        <translation>默认值：%1</translation>
    </message>
    <message>
        <source>Range: %1 to %2</source>
        <translation>范围：%1 到 %2</translation>
    </message>
    <message>
        <source>Error: </source>
        <translation>错误：</translation>
    </message>
    <message>
        <source>Warning: </source>
        <translation>警告：</translation>
    </message>
    <message>
        <source>No problems.</source>
        <translation>没有问题。</translation>
    </message>
    <message>
        <source>Folder for input &apos;%1&apos;...</source>
        <translation>输入 '%1' 的文件夹...</translation>
    </message>
    <message>
        <source>Calibration data for input &apos;%1&apos;</source>
        <translation>输入 '%1' 的校准数据</translation>
    </message>
    <message>
        <source>No calibration image to preview.</source>
        <translation>没有可预览的校准图片。</translation>
    </message>
    <message>
        <source>%1 as calibration sees it (%2x%3, shown stretched to its value range)</source>
        <translation>校准时看到的 %1（%2x%3，按数值范围拉伸显示）</translation>
    </message>
    <message>
        <source>not read with quant_type=%1</source>
        <translation>quant_type=%1 时不读取</translation>
    </message>
</context>
</TS>
