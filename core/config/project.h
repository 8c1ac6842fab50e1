#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/inidocument.h"

namespace qs {

/** A per-node choice that overrides the config (set in the GUI, replayed by the CLI). */
struct NodeOverride {
    std::optional<int> bits;
    std::optional<std::string> method;
    std::optional<bool> skip;
    std::optional<bool> int16;  // int16 activations ([quantscope_param] int16_activation_node)
};

/** A Quantscope project (.quantscope.yaml): model, config (inline INI text or a path), skip set, calibration folders,
 *  per-node overrides and UI state. Paths are stored relative to the project file where possible. */
struct Project {
    static constexpr int kVersion = 1;
    int version = kVersion;
    std::string model;
    std::string configFile;  // either this ...
    std::string configText;  // ... or the INI text inline
    std::vector<std::string> skipNodes;
    std::map<std::string, std::string> calibration;  // model input -> folder
    std::map<std::string, NodeOverride> overrides;
    std::map<std::string, std::string> ui;
};

// Reads a project file. Throws InputError naming the file, line and key on malformed input, and on a version
// newer than this build understands.
Project loadProject(const std::string& path);
// The same from text already read; path names it in messages (and anchors relative paths).
Project parseProject(const std::string& text, const std::string& path);
// Writes atomically. Paths are made relative to the project file's folder when they lie below it.
void saveProject(const Project& project, const std::string& path);

// The config a project replays: its INI (inline or config_file, read as parseConfig reads files), with the project's
// skip list and skip overrides added to skip_quant_node, its bits and method overrides set in [quantscope_param]
// node_weight_bits and node_activation_quant_method, its int16 overrides in int16_activation_node, and its calibration
// folders set in calibrate_path.
IniDocument projectConfig(const Project& project, const std::string& path, Diagnostics& diagnostics);

}  // namespace qs
