#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/inidocument.h"

namespace qs {

class Graph;

/** What validation may check beyond the file itself. */
struct ValidateOptions {
    const Graph* model = nullptr;  // check input names and skip_quant_node against it
    // validate: a missing folder is a warning (files meant for another machine), and so is a file without
    // [common_quant_param] (a fragment); convert: a missing folder is an error, since conversion needs it here and
    // now, and a missing quant_type converts without quantizing (as converter_lite)
    bool forConversion = false;
};

// Checks every key against the schema and the cross-key rules. Diagnostics name file, line, section and key.
Diagnostics validateConfig(const IniDocument& doc, const ValidateOptions& options = {});

// Parses a config file's text. A legacy key=value calibration file (image_path=..., MindSpore Lite <= 1.3) is
// mapped to the new sections, with a note per key saying what it became.
IniDocument parseConfig(const std::string& text, const std::string& file, Diagnostics& diagnostics);
// Reads and parses a config file; a missing or unreadable file is an error diagnostic.
IniDocument loadConfigFile(const std::string& path, Diagnostics& diagnostics);
bool isLegacyConfig(const std::string& text);

// converter_lite's legacy flags (--quantType=WeightQuant|PostTraining, --bitNum, --quantWeightSize,
// --quantWeightChannel) applied to a config, with a note for each.
void applyLegacyFlags(const std::map<std::string, std::string>& flags, IniDocument& doc, Diagnostics& diagnostics);

// A documented starting config: kind is full, weight, mixed or dynamic. Comments come from the schema.
std::string configTemplate(const std::string& kind);

// Value parsers shared by validation and the engine; nullopt when the text is not of the type.
std::optional<bool> parseBool(const std::string& s);
std::optional<int64_t> parseInt(const std::string& s);
std::optional<double> parseFloat(const std::string& s);
std::optional<std::vector<double>> parseFloatList(const std::string& s);
std::vector<std::string> parseNameList(const std::string& s);
// return names as a list value (name1,name2), the form parseNameList reads
std::string joinNameList(const std::vector<std::string>& names);
// return doc's [common_quant_param] skip_quant_node with the names added that it does not hold yet, in order
std::string skipListWith(const IniDocument& doc, const std::vector<std::string>& names);
// return the name list current with name added at its end (present) or removed (not present)
std::string nameListWith(const std::string& current, const std::string& name, bool present);
// A node:value list ([quantscope_param] node_weight_bits and the like), in order; a node's value splits at its last
// ':' (ONNX and TFLite names may hold colons). nullopt with error set when an item has no ':', an empty side, or a node
// twice.
using NodeMap = std::vector<std::pair<std::string, std::string>>;
std::optional<NodeMap> parseNodeMap(const std::string& s, std::string* error = nullptr);
// return current with node's value set to value (its item replaced in place, or appended), or its item removed when
// value is empty
std::string nodeMapWith(const std::string& current, const std::string& node, const std::string& value);
struct CalibrateEntry {
    std::string input;  // empty: the model's only input
    std::string dir;
};
std::optional<std::vector<CalibrateEntry>> parseCalibratePath(const std::string& s, std::string* error);
// return a calibrate_path value with input's folder set to dir: its entry replaced (or appended), the other inputs'
// entries kept in order
std::string calibratePathWith(const std::string& current, const std::string& input, const std::string& dir);

// return the value of key, or its schema default ("" when it has none)
std::string configValue(const IniDocument& doc, const std::string& section, const std::string& key);

}  // namespace qs
