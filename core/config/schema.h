#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

/** Value types of config keys. */
// NodeMap: node:value pairs (conv1:4,conv2:6); its values are one of `values` when it lists any, else whole numbers
// within min..max.
enum class KeyType { String, Int, Float, Bool, Enum, FloatList, NameList, Path, CalibratePath, NodeMap };

/** One key of the quantization config: the single source for parsing, validation, CLI help, templates and the
 *  GUI editor. Ranges are inclusive unless minExclusive/maxExclusive say otherwise. */
struct KeySchema {
    std::string section;
    std::string name;
    KeyType type = KeyType::String;
    std::string defaultValue;  // as written in an INI file; empty: no default
    std::optional<double> min, max;
    bool minExclusive = false, maxExclusive = false;
    std::vector<std::string> values;  // Enum: allowed values
    bool required = false;            // within its section (see the cross-key rules for sections)
    bool givenSwitchesOn = false;     // giving the key turns a feature on: templates show it commented out
    std::string docEn, docZh;
};

struct SectionSchema {
    std::string name;
    std::string docEn, docZh;
    bool passThrough = false;  // keys are kept as they are, not validated (ascend_context)
};

const std::vector<SectionSchema>& configSections();
const std::vector<KeySchema>& configKeys();
const SectionSchema* findSection(std::string_view name);
const KeySchema* findKey(std::string_view section, std::string_view key);
// return the known name closest to name (edit distance), for "did you mean" hints; empty when nothing is close
std::string nearestName(std::string_view name, const std::vector<std::string>& candidates);
std::string_view keyTypeName(KeyType t);

}  // namespace qs
