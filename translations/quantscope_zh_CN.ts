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
        <source>An ONNX or TFLite model to open.</source>
        <translation>要打开的 ONNX 或 TFLite 模型。</translation>
    </message>
</context>
<context>
    <name>qs::MainWindow</name>
    <message>
        <source>Open Model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>Models (*.onnx *.tflite);;All files (*)</source>
        <translation>模型 (*.onnx *.tflite);;所有文件 (*)</translation>
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
        <source>Filter nodes by name or operator (Ctrl+F)</source>
        <translation>按名称或算子筛选节点 (Ctrl+F)</translation>
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
</context>
</TS>
