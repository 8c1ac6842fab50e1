#pragma once
// The real runtimes the interop tests compare against: ONNX Runtime (npm onnxruntime-node) for .onnx and LiteRT
// (npm @litertjs/core) for .tflite, run through the scripts in tests/interop.
#include <QProcess>
#include <QString>

#include <filesystem>
#include <stdexcept>

#include "util/atomicfile.h"
#include "util/npy.h"

namespace qs::test {

// Runs model in ONNX Runtime (.onnx) or LiteRT (.tflite) on input; return the output named outputName.
// optimized: where ONNX Runtime saves its optimised graph ("" = no).
inline Tensor runRuntime(const QString& dir, const std::string& model, const std::string& inputName, const Tensor& input,
                  const std::string& outputName, const std::string& optimized = {})
{
    bool tflite = std::filesystem::path(model).extension() == ".tflite";
    std::string in = (std::filesystem::path(dir.toStdString()) / "in.npy").string();
    writeFileAtomic(in, npyBytes(input));
    QProcess node;
    if (!tflite) node.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!optimized.empty()) env.insert("ORT_OPTIMIZED_MODEL", QString::fromStdString(optimized));
    node.setProcessEnvironment(env);
    if (tflite) node.setStandardErrorFile(QProcess::nullDevice());  // LiteRT logs every delegate it creates
    node.start("node", {QString(QUANTSCOPE_INTEROP_DIR) + (tflite ? "/litert_run.mjs" : "/ort_run.mjs"),
                        QString::fromStdString(model), dir, QString::fromStdString(inputName + "=" + in)});
    node.waitForFinished(120000);
    if (node.exitCode() != 0) throw std::runtime_error(std::string(tflite ? "LiteRT" : "ONNX Runtime") + " failed on " + model);
    return readNpy((std::filesystem::path(dir.toStdString()) / (npyFileStem(outputName) + ".npy")).string());
}

}  // namespace qs::test
