#!/usr/bin/env python3
"""Fills translations/quantscope_zh_CN.ts from the table below (run after `ninja update_translations`).
Keeping the Chinese text here, next to its English source, makes review of new strings easy."""
import html
import re
import sys
from pathlib import Path

ZH = {
    "Open Model": "打开模型",
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
    "An ONNX or TFLite model to open.": "要打开的 ONNX 或 TFLite 模型。",
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
        return f"<source>{m.group(1)}</source>\n        <translation>{zh}</translation>"

    text = re.sub(r"<source>(.*?)</source>\s*<translation[^>]*>.*?</translation>", fill, text, flags=re.S)
    path.write_text(text, encoding="utf-8")
    if missing:
        print("untranslated:", *missing, sep="\n  ")
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
