#include "config/project.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "config/config.h"
#include "formats/modelloader.h"
#include "graph/error.h"
#include "util/atomicfile.h"

namespace qs {

namespace {
namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, const YAML::Node& node, const std::string& msg)
{
    std::string where = path;
    if (node && node.Mark().line >= 0) where += ":" + std::to_string(node.Mark().line + 1);
    throw InputError(where + ": " + msg);
}

template <typename T> T as(const std::string& path, const YAML::Node& node, const std::string& key)
{
    try {
        return node.as<T>();
    } catch (const YAML::Exception&) {
        fail(path, node, "'" + key + "' has the wrong type");
    }
}

std::string resolve(const std::string& projectPath, const std::string& p)
{
    if (p.empty() || fs::path(p).is_absolute()) return p;
    return (fs::path(projectPath).parent_path() / p).lexically_normal().string();
}

std::string relativize(const std::string& projectPath, const std::string& p)
{
    if (p.empty()) return p;
    fs::path base = fs::absolute(fs::path(projectPath)).parent_path();
    fs::path rel = fs::absolute(p).lexically_normal().lexically_relative(base);
    if (rel.empty() || rel.string().rfind("..", 0) == 0) return fs::absolute(p).lexically_normal().string();
    return rel.string();
}
}  // namespace

Project loadProject(const std::string& path) { return parseProject(readFileBytes(path, size_t(16) << 20), path); }

Project parseProjectNodes(const std::string& text, const std::string& path);

Project parseProject(const std::string& text, const std::string& path)
{
    // yaml-cpp reports misuse of a node's kind (a list where a mapping is due, ...) by exceptions of its own: they
    // become InputError naming the line, like the checks below.
    try {
        return parseProjectNodes(text, path);
    } catch (const YAML::Exception& e) {
        throw InputError(path + (e.mark.is_null() ? std::string() : ":" + std::to_string(e.mark.line + 1)) +
                         ": unexpected structure in the project: " + e.msg);
    }
}

Project parseProjectNodes(const std::string& text, const std::string& path)
{
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw InputError(path + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
    }
    if (!root.IsMap()) throw InputError(path + ": not a Quantscope project (expected a YAML mapping)");
    if (!root["quantscope_project"]) throw InputError(path + ": not a Quantscope project (no 'quantscope_project' version key)");
    Project p;
    p.version = as<int>(path, root["quantscope_project"], "quantscope_project");
    if (p.version > Project::kVersion)
        fail(path, root["quantscope_project"], "project version " + std::to_string(p.version) + " is newer than this Quantscope supports (" +
                                                   std::to_string(Project::kVersion) + "); update Quantscope to open it");
    if (p.version < 1) fail(path, root["quantscope_project"], "invalid project version " + std::to_string(p.version));
    static const std::vector<std::string> known = {"quantscope_project", "model", "config_file", "config", "skip_quant_node",
                                                   "calibration", "overrides", "ui"};
    for (const auto& kv : root) {
        std::string key = kv.first.as<std::string>();
        if (std::find(known.begin(), known.end(), key) == known.end()) fail(path, kv.first, "unknown key '" + key + "'");
    }
    if (!root["model"]) throw InputError(path + ": the project names no model ('model: path/to/model.onnx')");
    p.model = resolve(path, as<std::string>(path, root["model"], "model"));
    if (root["config_file"]) p.configFile = resolve(path, as<std::string>(path, root["config_file"], "config_file"));
    if (root["config"]) p.configText = as<std::string>(path, root["config"], "config");
    if (!p.configFile.empty() && !p.configText.empty())
        fail(path, root["config"], "give either 'config' (inline) or 'config_file', not both");
    if (auto s = root["skip_quant_node"]) {
        if (!s.IsSequence()) fail(path, s, "'skip_quant_node' must be a list of node names");
        for (const auto& n : s) p.skipNodes.push_back(as<std::string>(path, n, "skip_quant_node"));
    }
    if (auto c = root["calibration"]) {
        if (!c.IsMap()) fail(path, c, "'calibration' must map input names to folders");
        for (const auto& kv : c) p.calibration[kv.first.as<std::string>()] = resolve(path, as<std::string>(path, kv.second, "calibration"));
    }
    if (auto o = root["overrides"]) {
        if (!o.IsMap()) fail(path, o, "'overrides' must map node names to settings");
        for (const auto& kv : o) {
            NodeOverride no;
            for (const auto& f : kv.second) {
                std::string k = f.first.as<std::string>();
                if (k == "bits") {
                    int b = as<int>(path, f.second, "bits");
                    if (b < 1 || b > 16) fail(path, f.second, "bits must be 1 to 16");
                    no.bits = b;
                } else if (k == "method") no.method = as<std::string>(path, f.second, "method");
                else if (k == "skip") no.skip = as<bool>(path, f.second, "skip");
                else if (k == "int16_activations") no.int16 = as<bool>(path, f.second, "int16_activations");
                else fail(path, f.first, "unknown override '" + k + "' (bits, method, skip, int16_activations)");
            }
            p.overrides[kv.first.as<std::string>()] = no;
        }
    }
    if (auto u = root["ui"]) {
        if (!u.IsMap()) fail(path, u, "'ui' must be a mapping");
        for (const auto& kv : u) p.ui[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
    return p;
}

void saveProject(const Project& p, const std::string& path)
{
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "quantscope_project" << YAML::Value << Project::kVersion;
    out << YAML::Key << "model" << YAML::Value << relativize(path, p.model);
    if (!p.configFile.empty()) out << YAML::Key << "config_file" << YAML::Value << relativize(path, p.configFile);
    if (!p.configText.empty()) out << YAML::Key << "config" << YAML::Value << YAML::Literal << p.configText;
    if (!p.skipNodes.empty()) out << YAML::Key << "skip_quant_node" << YAML::Value << p.skipNodes;
    if (!p.calibration.empty()) {
        out << YAML::Key << "calibration" << YAML::Value << YAML::BeginMap;
        for (const auto& [k, v] : p.calibration) out << YAML::Key << k << YAML::Value << relativize(path, v);
        out << YAML::EndMap;
    }
    if (!p.overrides.empty()) {
        out << YAML::Key << "overrides" << YAML::Value << YAML::BeginMap;
        for (const auto& [node, o] : p.overrides) {
            out << YAML::Key << node << YAML::Value << YAML::BeginMap;
            if (o.bits) out << YAML::Key << "bits" << YAML::Value << *o.bits;
            if (o.method) out << YAML::Key << "method" << YAML::Value << *o.method;
            if (o.skip) out << YAML::Key << "skip" << YAML::Value << *o.skip;
            if (o.int16) out << YAML::Key << "int16_activations" << YAML::Value << *o.int16;
            out << YAML::EndMap;
        }
        out << YAML::EndMap;
    }
    if (!p.ui.empty()) out << YAML::Key << "ui" << YAML::Value << p.ui;
    out << YAML::EndMap;
    writeFileAtomic(path, std::string(out.c_str()) + "\n");
}

}  // namespace qs

namespace qs {

IniDocument projectConfig(const Project& project, const std::string& path, Diagnostics& diagnostics)
{
    IniDocument doc = !project.configFile.empty() ? loadConfigFile(project.configFile, diagnostics)
                                                  : parseConfig(project.configText, path, diagnostics);
    std::vector<std::string> skip = project.skipNodes;
    for (const auto& [node, o] : project.overrides) {
        if (o.skip.value_or(false)) skip.push_back(node);
        // the per-node choices the config holds in [quantscope_param]; the project's win over the config's
        if (o.bits)
            doc.set("quantscope_param", "node_weight_bits",
                    nodeMapWith(configValue(doc, "quantscope_param", "node_weight_bits"), node, std::to_string(*o.bits)));
        if (o.method)
            doc.set("quantscope_param", "node_activation_quant_method",
                    nodeMapWith(configValue(doc, "quantscope_param", "node_activation_quant_method"), node, *o.method));
        if (o.int16)
            if (std::string list = nameListWith(configValue(doc, "quantscope_param", "int16_activation_node"), node, *o.int16);
                !list.empty() || doc.get("quantscope_param", "int16_activation_node"))
                doc.set("quantscope_param", "int16_activation_node", list);
    }
    if (std::string list = skipListWith(doc, skip); !list.empty()) doc.set("common_quant_param", "skip_quant_node", list);
    if (!project.calibration.empty()) {
        std::string value = configValue(doc, "data_preprocess_param", "calibrate_path");
        if (auto entries = parseCalibratePath(value, nullptr); entries && entries->size() == 1 && entries->front().input.empty())
            value.clear();  // a bare folder means the only input, which the project names
        for (const auto& [input, dir] : project.calibration) value = calibratePathWith(value, input, dir);
        doc.set("data_preprocess_param", "calibrate_path", value);
    }
    return doc;
}

}  // namespace qs
