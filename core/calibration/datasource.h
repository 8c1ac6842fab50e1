#pragma once
#include <map>
#include <string>
#include <vector>

#include "calibration/imagepreprocess.h"
#include "graph/graph.h"

namespace qs {

class IniDocument;

/** Calibration samples from [data_preprocess_param]: one folder per model input, files paired across folders by
 *  sorted name, IMAGE files preprocessed with OpenCV, BIN files read raw and checked against the input's size.
 *  Samples are produced one at a time so that memory does not grow with their number. */
class CalibrationData {
public:
    // Resolves folders and files for graph's inputs. Throws InputError naming the key, folder or file.
    CalibrationData(const IniDocument& config, const Graph& graph);

    size_t size() const { return m_count; }
    // return the inputs of sample i (by input name), ready for Interpreter::run
    std::map<std::string, Tensor> sample(size_t i) const;
    // return the files of sample i, for messages
    std::vector<std::string> files(size_t i) const;

private:
    struct Input {
        std::string name;
        Shape shape;
        DataType type = DataType::Float32;
        bool nchw = true;
        std::vector<std::string> files;
    };
    std::vector<Input> m_inputs;
    bool m_images = true;
    ImagePreprocess m_pre;
    size_t m_count = 0;
};

// return a BIN calibration file's bytes as input's tensor; throws InputError naming file and input when the byte count
// does not match type and shape (checked before allocating)
Tensor binTensorFromBytes(const std::string& bytes, const std::string& file, const std::string& input, DataType type, const Shape& shape);

// Reads an [data_preprocess_param]'s image settings.
ImagePreprocess imagePreprocessFromConfig(const IniDocument& config);

}  // namespace qs
