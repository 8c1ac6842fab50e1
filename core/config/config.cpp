#include "config/config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/schema.h"
#include "graph/graph.h"
#include "quant/optypes.h"

namespace qs {

namespace {

using Severity = Diagnostic::Severity;

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::string joined(const std::vector<std::string>& v, const std::string& sep = ", ")
{
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
}

std::string formatNumber(double v)
{
    std::ostringstream ss;
    ss << v;
    return ss.str();
}

/** Collects diagnostics with the file and line filled in from the document. */
struct Reporter {
    const IniDocument& doc;
    Diagnostics& out;

    void at(Severity sev, const std::string& section, const std::string& key, const std::string& msg, const std::string& fix = {})
    {
        int line = key.empty() ? doc.sectionLine(section) : doc.reportedLine(section, key);
        if (line == 0 && !section.empty()) line = doc.sectionLine(section);
        out.push_back({sev, doc.file, line, section, key, msg, fix});
    }
    void error(const std::string& s, const std::string& k, const std::string& m, const std::string& f = {}) { at(Severity::Error, s, k, m, f); }
    void warning(const std::string& s, const std::string& k, const std::string& m, const std::string& f = {}) { at(Severity::Warning, s, k, m, f); }
    void note(const std::string& s, const std::string& k, const std::string& m, const std::string& f = {}) { at(Severity::Note, s, k, m, f); }
};

void checkValue(const KeySchema& k, const std::string& value, Reporter& r)
{
    const std::string& s = k.section;
    auto rangeText = [&]() {
        return std::string(k.minExclusive ? "(" : "[") + formatNumber(*k.min) + ", " + formatNumber(*k.max) + (k.maxExclusive ? ")" : "]");
    };
    auto inRange = [&](double v) {
        if (!k.min) return true;
        bool lo = k.minExclusive ? v > *k.min : v >= *k.min;
        bool hi = k.maxExclusive ? v < *k.max : v <= *k.max;
        return lo && hi;
    };
    switch (k.type) {
    case KeyType::Int: {
        auto v = parseInt(value);
        if (!v) return r.error(s, k.name, "'" + value + "' is not a whole number", "write e.g. " + k.name + "=" + (k.defaultValue.empty() ? "1" : k.defaultValue));
        if (!inRange(double(*v))) return r.error(s, k.name, k.name + "=" + value + " is out of range " + rangeText(), "choose a value in " + rangeText());
        break;
    }
    case KeyType::Float: {
        auto v = parseFloat(value);
        if (!v) return r.error(s, k.name, "'" + value + "' is not a number", "write e.g. " + k.name + "=" + k.defaultValue);
        if (!inRange(*v)) return r.error(s, k.name, k.name + "=" + value + " is out of range " + rangeText(), "choose a value in " + rangeText());
        break;
    }
    case KeyType::Bool:
        if (!parseBool(value)) return r.error(s, k.name, "'" + value + "' is not a boolean", "write true or false");
        break;
    case KeyType::Enum:
        if (std::find(k.values.begin(), k.values.end(), value) == k.values.end()) {
            std::string near = nearestName(value, k.values);
            return r.error(s, k.name, "'" + value + "' is not one of " + joined(k.values),
                           near.empty() ? "use one of " + joined(k.values) : "did you mean " + near + "?");
        }
        break;
    case KeyType::FloatList:
        if (!parseFloatList(value)) return r.error(s, k.name, "'" + value + "' is not a list of numbers", "write e.g. [127.5, 127.5, 127.5]");
        break;
    case KeyType::NameList:
    case KeyType::String:
    case KeyType::Path:
        if (value.empty() && k.type == KeyType::Path) r.warning(s, k.name, "the path is empty", "remove the key or give a folder");
        break;
    case KeyType::NodeMap: {
        std::string err;
        auto items = parseNodeMap(value, &err);
        if (!items) return r.error(s, k.name, err, "write node:value pairs, e.g. " + k.name + "=conv1:" + (k.values.empty() ? "4" : k.values[0]));
        for (const auto& [node, v] : *items) {
            if (!k.values.empty()) {
                if (std::find(k.values.begin(), k.values.end(), v) == k.values.end()) {
                    std::string near = nearestName(v, k.values);
                    return r.error(s, k.name, node + ": '" + v + "' is not one of " + joined(k.values),
                                   near.empty() ? "use one of " + joined(k.values) : "did you mean " + near + "?");
                }
            } else if (auto n = parseInt(v); !n || !inRange(double(*n))) {
                return r.error(s, k.name, node + ": '" + v + "' is not a whole number in " + rangeText(), "choose a value in " + rangeText());
            }
        }
        break;
    }
    case KeyType::CalibratePath: {
        std::string err;
        if (!parseCalibratePath(value, &err)) return r.error(s, k.name, err, "write input_name:/path/to/dir[,input2:/dir2]");
        break;
    }
    }
}

}  // namespace

std::optional<bool> parseBool(const std::string& s)
{
    std::string v = lower(trim(s));
    if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "0" || v == "no" || v == "off") return false;
    return std::nullopt;
}

std::optional<int64_t> parseInt(const std::string& s)
{
    std::string v = trim(s);
    if (v.empty() || v.size() > 18) return std::nullopt;
    size_t i = v[0] == '-' || v[0] == '+' ? 1 : 0;
    if (i == v.size()) return std::nullopt;
    for (size_t j = i; j < v.size(); ++j)
        if (!std::isdigit(static_cast<unsigned char>(v[j]))) return std::nullopt;
    return std::stoll(v);
}

std::optional<double> parseFloat(const std::string& s)
{
    std::string v = trim(s);
    if (v.empty()) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (end != v.c_str() + v.size() || !std::isfinite(d)) return std::nullopt;
    return d;
}

std::optional<std::vector<double>> parseFloatList(const std::string& s)
{
    std::string v = trim(s);
    if (!v.empty() && v.front() == '[') {
        if (v.back() != ']') return std::nullopt;
        v = v.substr(1, v.size() - 2);
    }
    std::vector<double> out;
    std::stringstream ss(v);
    for (std::string item; std::getline(ss, item, ',');) {
        auto d = parseFloat(item);
        if (!d) return std::nullopt;
        out.push_back(*d);
    }
    if (out.empty()) return std::nullopt;
    return out;
}

std::vector<std::string> parseNameList(const std::string& s)
{
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');) {
        item = trim(item);
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

std::optional<NodeMap> parseNodeMap(const std::string& s, std::string* error)
{
    NodeMap out;
    for (const std::string& item : parseNameList(s)) {
        const size_t colon = item.rfind(':');
        std::string node = colon == std::string::npos ? "" : trim(item.substr(0, colon));
        std::string value = colon == std::string::npos ? "" : trim(item.substr(colon + 1));
        if (node.empty() || value.empty()) {
            if (error) *error = "'" + item + "' is not node:value";
            return std::nullopt;
        }
        for (const auto& seen : out)
            if (seen.first == node) {
                if (error) *error = "node '" + node + "' is given twice";
                return std::nullopt;
            }
        out.emplace_back(std::move(node), std::move(value));
    }
    return out;
}

std::string nodeMapWith(const std::string& current, const std::string& node, const std::string& value)
{
    NodeMap items = parseNodeMap(current).value_or(NodeMap{});
    auto it = std::find_if(items.begin(), items.end(), [&](const auto& item) { return item.first == node; });
    if (value.empty()) {
        if (it != items.end()) items.erase(it);
    } else if (it != items.end()) {
        it->second = value;
    } else {
        items.emplace_back(node, value);
    }
    std::vector<std::string> joinedItems;
    for (const auto& [n, v] : items) joinedItems.push_back(n + ":" + v);
    return joinNameList(joinedItems);
}

std::string joinNameList(const std::vector<std::string>& names)
{
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
    return out;
}

std::string skipListWith(const IniDocument& doc, const std::vector<std::string>& names)
{
    std::vector<std::string> skip = parseNameList(configValue(doc, "common_quant_param", "skip_quant_node"));
    for (const std::string& n : names)
        if (std::find(skip.begin(), skip.end(), n) == skip.end()) skip.push_back(n);
    return joinNameList(skip);
}

std::string nameListWith(const std::string& current, const std::string& name, bool present)
{
    std::vector<std::string> names = parseNameList(current);
    auto it = std::find(names.begin(), names.end(), name);
    if (present && it == names.end()) names.push_back(name);
    if (!present && it != names.end()) names.erase(it);
    return joinNameList(names);
}

std::string calibratePathWith(const std::string& current, const std::string& input, const std::string& dir)
{
    // input:dir pairs, comma separated; this input's entry is replaced, the others kept
    std::string out;
    size_t start = 0;
    while (start <= current.size() && !current.empty()) {
        size_t comma = current.find(',', start);
        std::string entry = current.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!entry.empty() && entry.rfind(input + ":", 0) != 0) out += (out.empty() ? "" : ",") + entry;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out + (out.empty() ? "" : ",") + input + ":" + dir;
}

std::optional<std::vector<CalibrateEntry>> parseCalibratePath(const std::string& s, std::string* error)
{
    std::vector<CalibrateEntry> out;
    for (const std::string& item : parseNameList(s)) {
        CalibrateEntry e;
        // "name:/dir"; a bare dir means the model's only input
        size_t colon = item.find(':');
        if (colon != std::string::npos) {
            e.input = trim(item.substr(0, colon));
            e.dir = trim(item.substr(colon + 1));
        } else {
            e.dir = item;
        }
        if (e.dir.empty()) {
            if (error) *error = "'" + item + "' names no folder";
            return std::nullopt;
        }
        out.push_back(e);
    }
    if (out.empty()) {
        if (error) *error = "no calibration folder given";
        return std::nullopt;
    }
    return out;
}

std::string configValue(const IniDocument& doc, const std::string& section, const std::string& key)
{
    if (auto v = doc.get(section, key)) return *v;
    const KeySchema* k = findKey(section, key);
    return k ? k->defaultValue : std::string();
}

Diagnostics validateConfig(const IniDocument& doc, const ValidateOptions& options)
{
    Diagnostics out;
    Reporter r{doc, out};
    std::vector<std::string> sectionNames;
    for (const SectionSchema& s : configSections()) sectionNames.push_back(s.name);

    // Keys outside any section, unknown sections and keys, duplicates, and each value on its own.
    std::map<std::pair<std::string, std::string>, int> seen;  // (section, key) -> the line that first gave it
    for (size_t i = 0; i < doc.lines().size(); ++i) {
        const IniDocument::Line& l = doc.lines()[i];
        int line = l.movedFrom ? l.movedFrom : int(i) + 1;
        if (l.kind == IniDocument::Line::Kind::Section && !findSection(l.section)) {
            std::string near = nearestName(l.section, sectionNames);
            out.push_back({Severity::Warning, doc.file, line, l.section, "", "unknown section; its keys are ignored",
                           near.empty() ? "known sections: " + joined(sectionNames) : "did you mean [" + near + "]?"});
        }
        if (l.kind == IniDocument::Line::Kind::Invalid)  // parse() said why; said again for views that only validate
            out.push_back({Severity::Error, doc.file, line, l.section, "", "cannot read '" + trim(l.text) + "'",
                           "write key=value, [section] or a # comment"});
        if (l.kind != IniDocument::Line::Kind::Entry) continue;
        if (l.section.empty()) {
            out.push_back({Severity::Error, doc.file, line, "", l.key, "key outside any section",
                           "put it under its section, e.g. [common_quant_param]"});
            continue;
        }
        const SectionSchema* section = findSection(l.section);
        if (!section || section->passThrough) continue;
        if (auto [first, isNew] = seen.emplace(std::pair{l.section, l.key}, line); !isNew)
            out.push_back({Severity::Error, doc.file, line, l.section, l.key,
                           "given twice, on lines " + std::to_string(first->second) + " and " + std::to_string(line) +
                               " (converter_lite refuses this too)",
                           "keep one of the two lines"});
        const KeySchema* k = findKey(l.section, l.key);
        if (!k) {
            std::vector<std::string> names;
            std::string elsewhere;
            for (const KeySchema& ks : configKeys()) {
                if (ks.section == l.section) names.push_back(ks.name);
                else if (ks.name == l.key) elsewhere = ks.section;
            }
            std::string near = nearestName(l.key, names);
            std::string fix = !elsewhere.empty() ? "it belongs in [" + elsewhere + "]"
                              : !near.empty()    ? "did you mean " + near + "?"
                                                 : "keys of [" + l.section + "]: " + joined(names);
            // converter_lite refuses a key it does not know inside its sections ("is not supported")
            out.push_back({Severity::Error, doc.file, line, l.section, l.key, "unknown key (converter_lite: not supported)", fix});
            continue;
        }
        Diagnostics one;
        Reporter single{doc, one};
        checkValue(*k, l.value, single);
        for (Diagnostic& d : one) {
            d.line = line;  // the line being checked, also for duplicates
            out.push_back(d);
        }
    }

    auto valid = [&](const std::string& s, const std::string& k) {
        const KeySchema* ks = findKey(s, k);
        std::string v = configValue(doc, s, k);
        if (v.empty()) return false;
        Diagnostics d;
        Reporter probe{doc, d};
        checkValue(*ks, v, probe);
        return d.empty();
    };
    const std::string C = "common_quant_param", D = "data_preprocess_param", F = "full_quant_param", Q = "quantscope_param";

    // quant_type and what it implies.
    std::string quantType = configValue(doc, C, "quant_type");
    // No quant_type: converter_lite converts without quantizing. A [common_quant_param] that holds only comments says
    // so on purpose; other keys there without quant_type look like a mistake; a file without the section may be a
    // fragment meant to be combined with another.
    if (!doc.get(C, "quant_type")) {
        bool commonKeys = false;
        for (const IniDocument::Line& l : doc.lines()) commonKeys |= l.kind == IniDocument::Line::Kind::Entry && l.section == C;
        const std::string fix = "add [common_quant_param] quant_type=WEIGHT_QUANT, FULL_QUANT or DYNAMIC_QUANT";
        if (commonKeys)
            r.at(options.forConversion ? Severity::Error : Severity::Warning, C, "",
                 "quant_type is not set, but other keys of the section are: nothing would be quantized", fix);
        else if (!doc.hasSection(C) && !options.forConversion)
            r.warning("", "", "quant_type is not set: this file is a fragment, or converts without quantizing", fix);
    }
    bool typeOk = valid(C, "quant_type");
    if (typeOk && valid(C, "bit_num")) {
        int64_t bits = *parseInt(configValue(doc, C, "bit_num"));
        if ((quantType == "FULL_QUANT" || quantType == "DYNAMIC_QUANT") && bits != 8)
            r.error(C, "bit_num", "bit_num=" + std::to_string(bits) + " is not allowed with quant_type=" + quantType + ": " +
                                      (quantType == "FULL_QUANT" ? "full" : "dynamic") + " quantization supports 8 only",
                    "set bit_num=8, or use quant_type=WEIGHT_QUANT for other widths");
        if (quantType == "WEIGHT_QUANT" && valid(C, "enable_encode") && !*parseBool(configValue(doc, C, "enable_encode")) && bits != 8 && bits != 16)
            r.error(C, "enable_encode", "enable_encode=false needs bit_num 8 or 16 (bit_num=" + std::to_string(bits) + ")",
                    "set enable_encode=true, or bit_num to 8 or 16");
        if (doc.hasSection("mixed_bit_weight_quant_param") && !(quantType == "WEIGHT_QUANT" && bits == 0))
            r.warning("mixed_bit_weight_quant_param", "", "ignored: mixed-bit search runs only with quant_type=WEIGHT_QUANT and bit_num=0");
    }
    if (typeOk) {
        if (quantType != "FULL_QUANT" && doc.hasSection(F))
            r.warning(F, "", "ignored: quant_type is " + quantType, "remove the section or set quant_type=FULL_QUANT");
        if (quantType != "WEIGHT_QUANT" && doc.hasSection("weight_quant_param"))
            r.warning("weight_quant_param", "", "ignored: quant_type is " + quantType);
        if (quantType != "DYNAMIC_QUANT" && doc.hasSection("dynamic_quant_param"))
            r.warning("dynamic_quant_param", "", "ignored: quant_type is " + quantType);
        if (quantType != "WEIGHT_QUANT" && valid(Q, "node_weight_bits"))
            for (const auto& [node, bits] : parseNodeMap(configValue(doc, Q, "node_weight_bits")).value_or(NodeMap{}))
                if (int64_t b = *parseInt(bits); b < 2 || b > 8)
                    r.error(Q, "node_weight_bits", node + ":" + bits + " is not allowed with quant_type=" + quantType +
                                                       ": its weights are stored as int8 (2 to 8 bits)",
                            "choose 2 to 8 bits, or use quant_type=WEIGHT_QUANT for other widths");
        if (quantType != "FULL_QUANT" && valid(Q, "node_activation_quant_method"))
            r.warning(Q, "node_activation_quant_method", "ignored: quant_type is " + quantType + " (activation ranges are full quantization's)");
        if (quantType != "FULL_QUANT" && valid(Q, "int16_activation_node"))
            r.warning(Q, "int16_activation_node", "ignored: quant_type is " + quantType + " (only full quantization quantizes activations)");
        if (quantType != "FULL_QUANT" && parseBool(doc.get(Q, "activation_equalization").value_or("")).value_or(false))
            r.warning(Q, "activation_equalization", "ignored: quant_type is " + quantType + " (only full quantization quantizes activations)");
        if (quantType == "FULL_QUANT" && !doc.hasSection(D))
            r.at(options.forConversion ? Severity::Error : Severity::Warning, C, "quant_type", "quant_type=FULL_QUANT needs calibration data",
                 "add a [data_preprocess_param] section with calibrate_path, calibrate_size and input_type");
    }

    // Calibration data and preprocessing.
    if (doc.hasSection(D)) {
        for (const char* k : {"calibrate_path", "calibrate_size", "input_type"})
            if (!doc.get(D, k)) r.error(D, "", std::string(k) + " is required", "add " + std::string(k) + "=...");
        std::string inputType = configValue(doc, D, "input_type");
        std::string format = configValue(doc, D, "image_to_format");
        if (inputType == "BIN")
            for (const char* k : {"image_to_format", "normalize_mean", "normalize_std", "resize_width", "resize_height",
                                  "resize_method", "center_crop_width", "center_crop_height"})
                if (doc.get(D, k)) r.warning(D, k, "ignored: input_type=BIN files are fed as they are", "remove the key, or use input_type=IMAGE");
        for (const char* k : {"normalize_mean", "normalize_std"}) {
            if (!valid(D, k)) continue;
            size_t n = parseFloatList(configValue(doc, D, k))->size();
            if (valid(D, "image_to_format")) {
                size_t want = format == "GRAY" ? 1 : 3;
                if (n != want)
                    r.error(D, k, std::string(k) + " has " + std::to_string(n) + " value" + (n == 1 ? "" : "s") + " but image_to_format=" + format +
                                      " needs " + std::to_string(want),
                            want == 1 ? "give one value, e.g. [127.5]" : "give three values, e.g. [127.5, 127.5, 127.5]");
            } else if (n != 1 && n != 3) {
                r.error(D, k, std::string(k) + " has " + std::to_string(n) + " values; images have 1 or 3 channels", "give 1 or 3 values");
            }
        }
        if (valid(D, "normalize_std")) {
            std::vector<double> stds = *parseFloatList(configValue(doc, D, "normalize_std"));
            if (std::find(stds.begin(), stds.end(), 0.0) != stds.end())
                r.error(D, "normalize_std", "a standard deviation of 0 divides by zero", "use a non-zero value, e.g. 1");
        }
        auto pair = [&](const char* a, const char* b) {
            if (bool(doc.get(D, a)) != bool(doc.get(D, b)))
                r.error(D, doc.get(D, a) ? a : b, std::string(a) + " and " + b + " must be given together",
                        "add " + std::string(doc.get(D, a) ? b : a) + "=...");
        };
        pair("resize_width", "resize_height");
        pair("center_crop_width", "center_crop_height");
        if (doc.get(D, "resize_method") && !doc.get(D, "resize_width") && !doc.get(D, "resize_height"))
            r.warning(D, "resize_method", "ignored: no resize_width/resize_height given");
        if (configValue(doc, "quantscope_param", "resize_keep_aspect") == "true" && !doc.get(D, "resize_width"))
            r.warning("quantscope_param", "resize_keep_aspect", "ignored: no resize_width/resize_height given");
        for (auto [crop, size] : {std::pair{"center_crop_width", "resize_width"}, std::pair{"center_crop_height", "resize_height"}})
            if (valid(D, crop) && valid(D, size) && *parseInt(configValue(doc, D, crop)) > *parseInt(configValue(doc, D, size)))
                r.error(D, crop, std::string(crop) + "=" + configValue(doc, D, crop) + " is larger than " + size + "=" + configValue(doc, D, size),
                        "crop at most the resized size");
        if (valid(D, "calibrate_path")) {
            auto entries = *parseCalibratePath(configValue(doc, D, "calibrate_path"), nullptr);
            std::set<std::string> names;
            for (const CalibrateEntry& e : entries) {
                if (!names.insert(e.input).second)
                    r.error(D, "calibrate_path", e.input.empty() ? "more than one folder without an input name" : "input '" + e.input + "' is listed twice",
                            "give each input one folder");
                std::error_code ec;
                if (!std::filesystem::is_directory(e.dir, ec))
                    r.at(options.forConversion ? Severity::Error : Severity::Warning, D, "calibrate_path",
                         "directory " + e.dir + " does not exist", "create it, or fix the path");
                if (e.input.empty() && entries.size() > 1)
                    r.error(D, "calibrate_path", "folder " + e.dir + " has no input name", "write input_name:" + e.dir);
            }
            if (options.model) {
                const Graph& g = *options.model;
                std::vector<std::string> inputs;
                for (int id : g.inputs) inputs.push_back(g.values[id].name);
                for (const CalibrateEntry& e : entries) {
                    if (e.input.empty()) {
                        if (inputs.size() > 1) r.error(D, "calibrate_path", "the model has " + std::to_string(inputs.size()) + " inputs; name each folder's input", "write " + joined(inputs, ":/dir,") + ":/dir");
                    } else if (std::find(inputs.begin(), inputs.end(), e.input) == inputs.end()) {
                        std::string near = nearestName(e.input, inputs);
                        r.error(D, "calibrate_path", "'" + e.input + "' is not an input of the model (inputs: " + joined(inputs) + ")",
                                near.empty() ? "use one of the model's input names" : "did you mean " + near + "?");
                    }
                }
                bool bare = entries.size() == 1 && entries[0].input.empty();
                if (!bare)
                    for (const std::string& in : inputs)
                        if (!names.count(in)) r.error(D, "calibrate_path", "model input '" + in + "' has no calibration folder", "add " + in + ":/dir");
            }
        }
    }

    // Nodes named by skip_quant_node and the per-node choices must exist.
    if (options.model) {
        std::vector<std::string> nodes;
        for (const Node& n : options.model->nodes) nodes.push_back(n.name);
        for (const SubgraphRef& sub : options.model->subgraphs())  // nodes inside If branches and Loop bodies too
            for (const Node& n : sub.graph->nodes) nodes.push_back(n.name);
        auto check = [&](const std::string& section, const std::string& key, const std::vector<std::string>& names) {
            for (const std::string& name : names)
                if (std::find(nodes.begin(), nodes.end(), name) == nodes.end()) {
                    std::string near = nearestName(name, nodes);
                    r.error(section, key, "the model has no node '" + name + "'",
                            near.empty() ? "check the name (quantscope-cli inspect lists nodes)" : "did you mean " + near + "?");
                }
        };
        if (auto list = doc.get(C, "skip_quant_node")) check(C, "skip_quant_node", parseNameList(*list));
        if (auto list = doc.get(Q, "int16_activation_node")) {
            check(Q, "int16_activation_node", parseNameList(*list));
            if (options.model->info.format == "tflite" && !parseNameList(*list).empty())
                r.warning(Q, "int16_activation_node", "a TFLite model has int16 activations for all its ops or none: these nodes stay float",
                          "export an ONNX model for per-node int16, or skip the nodes");
        }
        for (const char* key : {"node_weight_bits", "node_activation_quant_method"})
            if (auto list = doc.get(Q, key); list && valid(Q, key)) {
                std::vector<std::string> names;
                for (const auto& item : parseNodeMap(*list).value_or(NodeMap{})) names.push_back(item.first);
                check(Q, key, names);
            }
    }
    // PaddleSlim op type names, or op types of the model.
    for (const char* section : {"quantscope_param"}) {
        auto list = doc.get(section, "quantizable_op_type");
        if (!list) continue;
        const auto& paddle = paddleOpTypeNames();
        for (const std::string& t : parseNameList(*list)) {
            if (std::find(paddle.begin(), paddle.end(), t) != paddle.end()) continue;
            bool inModel = false;
            if (options.model)
                for (const Node& n : options.model->nodes) inModel |= n.opType == t || n.sourceOpType == t;
            if (inModel) continue;
            std::string near = nearestName(t, paddle);
            std::string fix = (near.empty() ? std::string("use a PaddleSlim name (conv2d, depthwise_conv2d, mul, pool2d, elementwise_add, ...)")
                                            : "did you mean " + near + "?") +
                              (options.model ? "" : " (with --model, the model's own op types are accepted too)");
            r.at(options.model ? Severity::Error : Severity::Warning, section, "quantizable_op_type", "unknown op type '" + t + "'", fix);
        }
    }
    if (auto p = doc.get(C, "debug_info_save_path"); p && !p->empty()) {
        std::filesystem::path parent = std::filesystem::path(*p).parent_path();
        std::error_code ec;
        if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
            r.at(options.forConversion ? Severity::Error : Severity::Warning, C, "debug_info_save_path",
                 "parent directory " + parent.string() + " does not exist", "create it, or choose another folder");
    }
    if (doc.get(F, "target_device") && valid(F, "target_device"))
        r.note(F, "target_device", "Quantscope writes a generic int8 model; target_device is kept for converter_lite");
    if (doc.get("weight_quant_param", "dequant_strategy") && valid("weight_quant_param", "dequant_strategy"))
        r.note("weight_quant_param", "dequant_strategy", "ON_THE_FLY is an Ascend runtime mode; Quantscope keeps the value");
    return out;
}

namespace {
// PaddleSlim's and Paddle Lite's keys, which earlier Quantscope versions read inside MindSpore's sections: converter_lite
// rejects an unknown key there ("is not supported"), so they live in [quantscope_param]. The old place still reads.
void relocateQuantscopeKeys(IniDocument& doc, Diagnostics& diagnostics)
{
    static const std::pair<const char*, const char*> kMoved[] = {{"full_quant_param", "quantizable_op_type"},
                                                                 {"dynamic_quant_param", "quantizable_op_type"},
                                                                 {"full_quant_param", "is_full_quantize"},
                                                                 {"weight_quant_param", "threshold_rate"}};
    for (const auto& [section, key] : kMoved) {
        auto value = doc.get(section, key);
        if (!value) continue;
        const int line = doc.lineOf(section, key);
        if (auto given = doc.get("quantscope_param", key); given && *given != *value)
            diagnostics.push_back({Severity::Warning, doc.file, line, section, key,
                                   std::string("ignored: [quantscope_param] ") + key + "=" + *given + " is given too",
                                   "remove it here (converter_lite refuses it in its sections)"});
        else
            diagnostics.push_back({Severity::Warning, doc.file, line, section, key,
                                   std::string("a Paddle key, not MindSpore's (converter_lite refuses it here): read as [quantscope_param] ") + key,
                                   "move it to [quantscope_param]"});
        if (!doc.get("quantscope_param", key)) {
            doc.set("quantscope_param", key, *value);
            doc.setMovedFrom("quantscope_param", key, line);  // its findings name the line the user wrote
        }
        doc.remove(section, key);
    }
}
}  // namespace

bool isLegacyConfig(const std::string& text)
{
    std::stringstream ss(text);
    bool legacyKey = false;
    for (std::string line; std::getline(ss, line);) {
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        if (t[0] == '[') return false;
        std::string key = trim(t.substr(0, t.find('=')));
        if (key == "image_path" || key == "batch_count" || key == "method_x" || key == "thread_num") legacyKey = true;
    }
    return legacyKey;
}

IniDocument parseConfig(const std::string& text, const std::string& file, Diagnostics& diagnostics)
{
    if (!isLegacyConfig(text)) {
        IniDocument doc = IniDocument::parse(text, file, diagnostics);
        relocateQuantscopeKeys(doc, diagnostics);
        return doc;
    }
    // MindSpore Lite <= 1.3 calibration file: key=value, no sections, preprocessed inputs.
    Diagnostics ignored;
    IniDocument legacy = IniDocument::parse(text, file, ignored);
    Diagnostics none;
    IniDocument doc = IniDocument::parse("", file, none);
    doc.set("common_quant_param", "quant_type", "FULL_QUANT");
    doc.set("common_quant_param", "bit_num", "8");
    auto note = [&](int line, const std::string& key, const std::string& msg) {
        diagnostics.push_back({Severity::Note, file, line, "", key, msg, ""});
    };
    note(0, "", "legacy calibration file (MindSpore Lite <= 1.3): read as quant_type=FULL_QUANT, bit_num=8");
    for (size_t i = 0; i < legacy.lines().size(); ++i) {
        const IniDocument::Line& l = legacy.lines()[i];
        int line = int(i) + 1;
        if (l.kind == IniDocument::Line::Kind::Invalid) {
            diagnostics.push_back({Severity::Error, file, line, "", "", "expected key=value, got '" + trim(l.text) + "'", ""});
            continue;
        }
        if (l.kind != IniDocument::Line::Kind::Entry) continue;
        if (l.key == "image_path") {
            doc.set("data_preprocess_param", "calibrate_path", l.value);
            doc.set("data_preprocess_param", "input_type", "BIN");
            note(line, l.key, "became [data_preprocess_param] calibrate_path=" + l.value + " with input_type=BIN (preprocessed files)");
        } else if (l.key == "batch_count") {
            doc.set("data_preprocess_param", "calibrate_size", l.value);
            note(line, l.key, "became [data_preprocess_param] calibrate_size");
        } else if (l.key == "method_x") {
            doc.set("full_quant_param", "activation_quant_method", l.value);
            note(line, l.key, "became [full_quant_param] activation_quant_method");
        } else if (l.key == "bias_correction") {
            doc.set("full_quant_param", "bias_correction", l.value);
            note(line, l.key, "became [full_quant_param] bias_correction");
        } else if (l.key == "thread_num") {
            note(line, l.key, "has no config key any more; pass --threads " + l.value + " on the command line");
        } else {
            diagnostics.push_back({Severity::Warning, file, line, "", l.key, "unknown legacy key; it is ignored",
                                   "legacy keys: image_path, batch_count, method_x, thread_num, bias_correction"});
        }
    }
    if (!doc.get("data_preprocess_param", "calibrate_size")) doc.set("data_preprocess_param", "calibrate_size", "100");
    return doc;
}

IniDocument loadConfigFile(const std::string& path, Diagnostics& diagnostics)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        diagnostics.push_back({Severity::Error, path, 0, "", "", "config file not found", "check the path"});
        return IniDocument::parse("", path, diagnostics);
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.size() > (size_t(4) << 20)) {
        diagnostics.push_back({Severity::Error, path, 0, "", "", "the file is larger than 4 MiB; not a config file", ""});
        return IniDocument::parse("", path, diagnostics);
    }
    if (text.find('\0') != std::string::npos) {
        diagnostics.push_back({Severity::Error, path, 0, "", "", "the file is binary, not an INI config", "pass the .ini/.cfg file"});
        return IniDocument::parse("", path, diagnostics);
    }
    return parseConfig(text, path, diagnostics);
}

void applyLegacyFlags(const std::map<std::string, std::string>& flags, IniDocument& doc, Diagnostics& diagnostics)
{
    auto note = [&](const std::string& flag, const std::string& msg) {
        diagnostics.push_back({Severity::Note, "", 0, "", "", "--" + flag + " " + msg, ""});
    };
    const std::string C = "common_quant_param";
    for (const auto& [flag, value] : flags) {
        if (flag == "quantType") {
            std::string t = value == "WeightQuant" ? "WEIGHT_QUANT" : value == "PostTraining" ? "FULL_QUANT" : "";
            if (t.empty()) {
                diagnostics.push_back({Severity::Error, "", 0, C, "quant_type", "--quantType=" + value + " is not WeightQuant or PostTraining", "use --configFile with quant_type=..."});
                continue;
            }
            doc.set(C, "quant_type", t);
            note(flag, "became [common_quant_param] quant_type=" + t);
        } else if (flag == "bitNum") {
            doc.set(C, "bit_num", value);
            note(flag, "became [common_quant_param] bit_num=" + value);
        } else if (flag == "quantWeightSize") {
            doc.set(C, "min_quant_weight_size", value);
            note(flag, "became [common_quant_param] min_quant_weight_size=" + value);
        } else if (flag == "quantWeightChannel") {
            doc.set(C, "min_quant_weight_channel", value);
            note(flag, "became [common_quant_param] min_quant_weight_channel=" + value);
        }
    }
}

std::string configTemplate(const std::string& kind)
{
    std::vector<std::string> sections;
    std::map<std::string, std::string> overrides;
    if (kind == "full") {
        sections = {"common_quant_param", "data_preprocess_param", "full_quant_param"};
        overrides = {{"quant_type", "FULL_QUANT"}, {"calibrate_path", "input:/path/to/calibration_images"}, {"calibrate_size", "100"},
                     {"input_type", "IMAGE"}, {"image_to_format", "RGB"}, {"normalize_mean", "[127.5, 127.5, 127.5]"},
                     {"normalize_std", "[127.5, 127.5, 127.5]"}, {"resize_width", "224"}, {"resize_height", "224"},
                     {"resize_method", "LINEAR"}, {"center_crop_width", "224"}, {"center_crop_height", "224"}};
    } else if (kind == "weight") {
        sections = {"common_quant_param", "weight_quant_param"};
        overrides = {{"quant_type", "WEIGHT_QUANT"}};
    } else if (kind == "mixed") {
        sections = {"common_quant_param", "mixed_bit_weight_quant_param"};
        overrides = {{"quant_type", "WEIGHT_QUANT"}, {"bit_num", "0"}};
    } else if (kind == "dynamic") {
        sections = {"common_quant_param", "dynamic_quant_param"};
        overrides = {{"quant_type", "DYNAMIC_QUANT"}};
    } else {
        return {};
    }
    std::string out = "# Quantscope quantization config (" + kind + "), MindSpore Lite converter_lite keys.\n";
    for (const std::string& s : sections) {
        const SectionSchema* sec = findSection(s);
        out += "\n[" + s + "]\n# " + sec->docEn + "\n";
        for (const KeySchema& k : configKeys()) {
            if (k.section != s) continue;
            if (kind != "weight" && kind != "mixed" && (k.name == "min_quant_weight_size" || k.name == "min_quant_weight_channel" || k.name == "enable_encode"))
                continue;
            std::string value = overrides.count(k.name) ? overrides[k.name] : k.defaultValue;
            out += "# " + k.docEn;
            if (!k.values.empty()) out += " One of: " + joined(k.values) + ".";
            out += "\n";
            if (value.empty()) out += "# " + k.name + "=\n";
            else out += (k.givenSwitchesOn ? "# " : "") + k.name + "=" + value + "\n";
        }
    }
    return out;
}

}  // namespace qs
