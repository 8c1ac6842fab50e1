#!/usr/bin/env python3
"""Fills translations/quantscope_zh_CN.ts from the table below (run after `ninja update_translations`).
Keeping the Chinese text here, next to its English source, makes review of new strings easy."""
import html
import re
import sys
from pathlib import Path

ZH = {
    "Open Model": "打开模型",
    "Weights": "权重",
    "%1 bits, %2": "%1 比特，%2",
    "Rounding": "舍入",
    "keeps each channel's mean output on %1": "保持每个通道在 %1 上的平均输出",
    "Models (*.onnx *.tflite);;All files (*)": "模型 (*.onnx *.tflite);;所有文件 (*)",
    "About Quantscope": "关于 Quantscope",
    "<b>Quantscope %1</b><p>Interactive post-training quantization of neural networks.</p>":
        "<b>Quantscope %1</b><p>交互式神经网络训练后量化工具。</p>",
    "Quantscope": "Quantscope",
    "%1 - Quantscope": "%1 - Quantscope",
    "&File": "文件(&F)",
    "Open &Recent": "最近打开(&R)",
    "&View": "视图(&V)",
    "&Language": "语言(&L)",
    "&Help": "帮助(&H)",
    "&Open Model...": "打开模型(&O)...",
    "Open an ONNX or TFLite model (Ctrl+O)": "打开 ONNX 或 TFLite 模型 (Ctrl+O)",
    "Open &Sample Model": "打开示例模型(&S)",
    "&Find Node": "查找节点(&F)",
    "&Quit": "退出(&Q)",
    "&About Quantscope": "关于 Quantscope(&A)",
    "Property": "属性",
    "Value": "值",
    "#": "#",
    "Name": "名称",
    "Operator": "算子",
    "Inputs": "输入",
    "Outputs": "输出",
    "Filter nodes by name or operator (Ctrl+F)": "按名称或算子筛选节点 (Ctrl+F)",
    "Open a model with Ctrl+O, or drop an .onnx or .tflite file here.": "按 Ctrl+O 打开模型，或将 .onnx / .tflite 文件拖到此处。",
    "Loading %1...": "正在加载 %1...",
    "Could not open the model.": "无法打开模型。",
    "Could not open the model": "无法打开模型",
    "File": "文件",
    "Format": "格式",
    "ONNX (opset %1)": "ONNX (opset %1)",
    "TFLite": "TFLite",
    "Producer": "生成工具",
    "Parameters": "参数",
    "%L1 (%L2 bytes)": "%L1 (%L2 字节)",
    "Operators": "算子",
    "Unsupported": "不支持",
    "none": "无",
    "%1 · %2 nodes · %L3 parameters": "%1 · %2 个节点 · %L3 个参数",
    "Interactive post-training quantization of neural networks": "交互式神经网络训练后量化工具",
    'Open the embedded sample model with its photos set up for calibration.': '打开内置示例模型，并配置好其校准照片。',
    'Save the documentation screenshots into <dir> and quit.': '将文档截图保存到 <dir> 后退出。',
    'dir': '目录',
    ', about %1 s left': '，约剩 %1 秒',
    '%1 %v/%m': '%1 %v/%m',
    '%1: %2 of %3%4': '%1：%2 / %3%4',
    ' · graph laid out in %1 ms': ' · 图布局用时 %1 毫秒',
    'Export Quantized Model': '导出量化模型',
    'Models (*.%1)': '模型 (*.%1)',
    'Export failed': '导出失败',
    'Wrote %1': '已写入 %1',
    'Export Config': '导出配置',
    'INI files (*.ini *.cfg)': 'INI 文件 (*.ini *.cfg)',
    '&Edit': '编辑(&E)',
    '&Run': '运行(&R)',
    'MobileNet V1 0.25 with five photos set up for calibration': 'MobileNet V1 0.25，已配置五张校准照片',
    'Open &Project...': '打开项目(&P)...',
    '&Save Project...': '保存项目(&S)...',
    'Save the model path, settings and skipped nodes as a .yaml project (Ctrl+S)': '将模型路径、设置和跳过的节点保存为 .yaml 项目 (Ctrl+S)',
    '&Export Quantized Model...': '导出量化模型(&E)...',
    'Write the quantized model: QDQ ONNX or int8 TFLite (Ctrl+E)': '写出量化模型：QDQ ONNX 或 int8 TFLite (Ctrl+E)',
    'Export &Config...': '导出配置(&C)...',
    'Write the settings as the INI file quantscope-cli convert replays': '将设置写成 quantscope-cli convert 可复现的 INI 文件',
    'Fit &Graph': '适应窗口(&G)',
    '&Run Quantization': '运行量化(&R)',
    'Calibrate (when the data changed) and quantize in the background (Ctrl+R)': '在后台校准（数据变化时）并量化 (Ctrl+R)',
    '&Cancel': '取消(&C)',
    'Stop the running calibration or quantization (Esc)': '停止正在进行的校准或量化 (Esc)',
    '&Undo': '撤销(&U)',
    '&Redo': '重做(&R)',
    'Model': '模型',
    'Quantization Settings': '量化设置',
    'Graph': '计算图',
    'Nodes': '节点',
    'Results': '结果',
    'Find nodes by name or operator (Ctrl+F)': '按名称或算子查找节点 (Ctrl+F)',
    'starting...': '正在启动...',
    'cancelling...': '正在取消...',
    'Cancelled. Run again with Ctrl+R.': '已取消。按 Ctrl+R 重新运行。',
    'Failed.': '失败。',
    'Quantization failed': '量化失败',
    '%1 int8 nodes, %2 float · output cosine %3 (%4 samples) · %5 KiB': '%1 个 int8 节点，%2 个浮点 · 输出余弦相似度 %3（%4 个样本）· %5 KiB',
    '%1 nodes quantized · %2 KiB': '已量化 %1 个节点 · %2 KiB',
    'Refusing to overwrite the model.': '拒绝覆盖模型文件。',
    'Save Project': '保存项目',
    'Quantscope projects (*.yaml)': 'Quantscope 项目 (*.yaml)',
    'Saved %1': '已保存 %1',
    'Could not save the project': '无法保存项目',
    'Open Project': '打开项目',
    'Could not open the project': '无法打开项目',
    'Node': '节点',
    'Tensor': '张量',
    'Scale': '缩放因子',
    'Zero point': '零点',
    'Bits': '位宽',
    'Min': '最小值',
    'Max': '最大值',
    'Clip %': '截断率 %',
    'Cosine': '余弦相似度',
    'Skip': '跳过',
    'Cosine similarity of the tensor before and after quantization: measured by the last run, or estimated from the calibration histogram (italic) after a change': '张量量化前后的余弦相似度：来自上次运行的实测值，或修改后由校准直方图估算（斜体）',
    'Keep this node in float (skip_quant_node)': '此节点保持浮点（skip_quant_node）',
    'tensor (graph order)': '张量（按图顺序）',
    'cosine': '余弦相似度',
    'value': '数值',
    'count': '计数',
    'float': '浮点',
    'dequantized': '反量化',
    ' (weight)': '（权重）',
    'per channel': '按通道',
    'per channel (%1)': '按通道（%1）',
    '%1: no calibration histogram (weights, or a skipped node)': '%1：没有校准直方图（权重，或被跳过的节点）',
    '%1 (%2): range [%3, %4], clip %5%, cosine %6': '%1（%2）：范围 [%3, %4]，截断 %5%，余弦相似度 %6',
    'Key': '参数',
    'INI file (what the CLI replays):': 'INI 文件（CLI 复现所用）：',
    'Default: %1': '默认值：%1',
    'Range: %1 to %2': '范围：%1 到 %2',
    'Error: ': '错误：',
    'Warning: ': '警告：',
    'No problems.': '没有问题。',
    "Folder for input '%1'...": "输入 '%1' 的文件夹...",
    "Calibration data for input '%1'": "输入 '%1' 的校准数据",
    'No calibration image to preview.': '没有可预览的校准图片。',
    '%1 as calibration sees it (%2x%3, shown stretched to its value range)': '校准时看到的 %1（%2x%3，按数值范围拉伸显示）',
    '&Suggest Skips': '建议跳过的节点(&S)',
    'Rank the quantized layers by how much the output improves when each alone stays float': '按单独保持浮点时输出改善的程度为量化层排序',
    '%1. %2: output cosine %3 (%4)': '%1. %2：输出余弦相似度 %3（%4）',
    'Best node to skip: %1': '最值得跳过的节点：%1',
    'Suggested skips': '建议跳过的节点',
    'Output cosine now: %1. With one node kept float:\n\n%2\n\nTick Skip in the results to keep one.': '当前输出余弦相似度：%1。单个节点保持浮点时：\n\n%2\n\n在结果中勾选“跳过”即可保留该节点为浮点。',
    'Wrote output_summary.csv, round_*.csv and quant_param.csv to %1': '已将 output_summary.csv、round_*.csv 和 quant_param.csv 写入 %1',
    'Toggle Skip (keep %1 in float)': '切换跳过（%1 保持浮点）',
    'Export Debug &Reports...': '导出调试报告(&R)...',
    "Write output_summary.csv, round_*.csv and quant_param.csv (MindSpore Lite's columns)": '写出 output_summary.csv、round_*.csv 和 quant_param.csv（MindSpore Lite 的列）',
    'Properties': '属性',
    'Attributes': '属性参数',
    '  weights: min %1, max %2': '  权重：最小 %1，最大 %2',
    'skipped (float)': '已跳过（浮点）',
    'quantized': '已量化',
    'float: %1': '浮点：%1',
    'Quantization': '量化',
    'Export Debug Reports': '导出调试报告',
    'Writing debug reports to %1...': '正在将调试报告写入 %1...',
    'clip %': '截断 %',
    'skipped: stays float': '已跳过：保持浮点',
    '%1%2: %3 bits, scale %4, zero point %5, clip %6%, cosine %7': '%1%2：%3 位，缩放因子 %4，零点 %5，截断 %6%，余弦相似度 %7',
    '%1 (%2): %3': '%1（%2）：%3',
    ' · %n weighted operator(s) left float': ' · %n 个带权重算子仍为浮点',
    'An ONNX or TFLite model, or a Quantscope project (.quantscope.yaml), to open.': '要打开的 ONNX 或 TFLite 模型，或 Quantscope 项目（.quantscope.yaml）。',
    'Not quantized although neither skip_quant_node nor a config rule asked for it:\n%1':
        '未被量化，但 skip_quant_node 和配置规则均未要求保持浮点：\n%1',
    'Keep %n node(s) float for target_cosine': '为 target_cosine 保留 %n 个浮点节点',
    '%n most damaging weighted node(s) float: output cosine %1, %2 of %3 weighted ops int8':
        '最敏感的 %n 个带权重节点保留浮点：输出余弦 %1，%3 个带权重算子中 %2 个为 int8',
    'The plan reaches output cosine %1 on %2 held-back calibration samples: target %3 met, no node kept float.':
        '当前方案在 %2 个留出的校准样本上输出余弦为 %1：已达到目标 %3，无需保留浮点节点。',
    'Output cosine %1 on %2 held-back calibration samples. Tried:\n%3\n\nKept float: %4\n\nThey are now in skip_quant_node (Ctrl+Z takes them back).':
        '在 %2 个留出的校准样本上输出余弦为 %1。尝试过：\n%3\n\n保留为浮点：%4\n\n它们已写入 skip_quant_node（Ctrl+Z 可撤销）。',
    'target_cosine %1': 'target_cosine %1',
}

def main():
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("quantscope_zh_CN.ts"))
    text = path.read_text(encoding="utf-8")
    missing = []

    def fill(m):
        source = html.unescape(m.group(1))
        if source not in ZH:
            missing.append(source)
            return m.group(0)
        zh = html.escape(ZH[source], quote=False)
        if "<numerusform" in m.group(0):  # %n messages: Chinese has one plural form
            zh = f"\n            <numerusform>{zh}</numerusform>\n        "
        return f"<source>{m.group(1)}</source>\n        <translation>{zh}</translation>"

    text = re.sub(r"<source>(.*?)</source>\s*<translation[^>]*>.*?</translation>", fill, text, flags=re.S)
    path.write_text(text, encoding="utf-8")
    if missing:
        print("untranslated:", *missing, sep="\n  ")
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
