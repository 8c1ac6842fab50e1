// The quantization config contract: every INI example of the MindSpore Lite documents validates; wrong configs get
// a precise message on the right line; files round-trip with comments; random input never crashes.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "clirun.h"
#include "config/config.h"
#include "config/project.h"
#include "config/schema.h"
#include "formats/modelloader.h"
#include "graph/error.h"
#include "testdata.h"

using namespace qs;
namespace fs = std::filesystem;

namespace {
std::vector<fs::path> referenceExamples()
{
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(QUANTSCOPE_TEST_DATA "/config/reference")) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

std::string readText(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int cli(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr)
{
    test::CliResult r = test::cli(std::move(args));
    if (out) *out = r.out;
    if (err) *err = r.err;
    return r.code;
}

const char* kFull = "[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n\n[data_preprocess_param]\n";
}  // namespace

class TestConfig : public QObject {
    Q_OBJECT
private slots:
    void testReferenceExamplesValidate()
    {
        auto files = referenceExamples();
        QVERIFY(files.size() >= 20);
        for (const fs::path& f : files) {
            Diagnostics d;
            IniDocument doc = loadConfigFile(f.string(), d);
            Diagnostics v = validateConfig(doc);
            d.insert(d.end(), v.begin(), v.end());
            for (const Diagnostic& x : d)
                QVERIFY2(x.severity != Diagnostic::Severity::Error, qPrintable(QString::fromStdString(x.toString())));
        }
    }

    void testWrongConfigs_data()
    {
        QTest::addColumn<QString>("ini");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("severity");
        QTest::addColumn<QString>("message");
        auto row = [](const char* name, std::string ini, int line, const char* sev, const char* msg) {
            QTest::newRow(name) << QString::fromStdString(ini) << line << QString(sev) << QString::fromUtf8(msg);
        };
        std::string c = "[common_quant_param]\n";
        std::string d = "[data_preprocess_param]\ncalibrate_path=input:/tmp\ncalibrate_size=10\ninput_type=IMAGE\n";
        row("full-bit4", c + "quant_type=FULL_QUANT\nbit_num=4\n", 3, "error", "bit_num=4 is not allowed with quant_type=FULL_QUANT: full quantization supports 8 only");
        row("dynamic-bit16", c + "quant_type=DYNAMIC_QUANT\nbit_num=16\n", 3, "error", "dynamic quantization supports 8 only");
        row("bit17", c + "quant_type=WEIGHT_QUANT\nbit_num=17\n", 3, "error", "bit_num=17 is out of range [0, 16]");
        row("bit-negative", c + "quant_type=WEIGHT_QUANT\nbit_num=-1\n", 3, "error", "bit_num=-1 is out of range [0, 16]");
        row("bit-text", c + "quant_type=WEIGHT_QUANT\nbit_num=eight\n", 3, "error", "'eight' is not a whole number");
        row("bit-inline-comment", c + "quant_type=WEIGHT_QUANT\nbit_num=8 # eight\n", 3, "error", "'8 # eight' is not a whole number");
        row("type-short", c + "quant_type=FULL\n", 2, "error", "did you mean FULL_QUANT?");
        row("type-lowercase", c + "quant_type=weight_quant\n", 2, "error", "did you mean WEIGHT_QUANT?");
        row("type-missing", c + "bit_num=8\n", 1, "warning", "quant_type is not set, but other keys of the section are");
        row("weight-size-range", c + "quant_type=WEIGHT_QUANT\nmin_quant_weight_size=70000\n", 3, "error", "min_quant_weight_size=70000 is out of range [0, 65535]");
        row("weight-channel-float", c + "quant_type=WEIGHT_QUANT\nmin_quant_weight_channel=1.5\n", 3, "error", "'1.5' is not a whole number");
        row("encode-bool", c + "quant_type=WEIGHT_QUANT\nenable_encode=maybe\n", 3, "error", "'maybe' is not a boolean");
        row("encode-false-4bit", c + "quant_type=WEIGHT_QUANT\nbit_num=4\nenable_encode=false\n", 4, "error", "enable_encode=false needs bit_num 8 or 16");
        row("init-scale-one", "[mixed_bit_weight_quant_param]\ninit_scale=1\n", 2, "error", "init_scale=1 is out of range (0, 1)");
        row("init-scale-zero", "[mixed_bit_weight_quant_param]\ninit_scale=0\n", 2, "error", "init_scale=0 is out of range (0, 1)");
        row("init-scale-text", "[mixed_bit_weight_quant_param]\ninit_scale=small\n", 2, "error", "'small' is not a number");
        row("auto-tune-2", "[mixed_bit_weight_quant_param]\nauto_tune=2\n", 2, "error", "'2' is not a boolean");
        row("mixed-ignored", c + "quant_type=WEIGHT_QUANT\nbit_num=8\n[mixed_bit_weight_quant_param]\ninit_scale=0.02\n", 4, "warning", "ignored: mixed-bit search runs only with quant_type=WEIGHT_QUANT and bit_num=0");
        row("per-channel-text", "[weight_quant_param]\nper_channel=perlayer\n", 2, "error", "'perlayer' is not a boolean");
        row("dequant-strategy", "[weight_quant_param]\ndequant_strategy=OFFLINE\n", 2, "error", "'OFFLINE' is not one of ON_THE_FLY");
        row("method-camel", "[full_quant_param]\nactivation_quant_method=RemovalOutlier\n", 2, "error", "did you mean REMOVAL_OUTLIER?");
        row("method-unknown", "[full_quant_param]\nactivation_quant_method=PERCENTILE\n", 2, "error", "'PERCENTILE' is not one of MAX_MIN, KL, REMOVAL_OUTLIER, ABS_MAX, AVG, HIST, MSE");
        row("op-type-typo", "[quantscope_param]\nquantizable_op_type=conv2d,depthwise_conv\n", 2, "error",
            "unknown op type 'depthwise_conv'; did you mean depthwise_conv2d?");
        // PaddleSlim's keys in MindSpore's sections (earlier Quantscope versions read them there): still read, from
        // [quantscope_param], with a warning; their findings name the line written
        row("paddle-key-moved", "[full_quant_param]\nquantizable_op_type=conv2d\n", 2, "warning",
            "a Paddle key, not MindSpore's (converter_lite refuses it here): read as [quantscope_param] quantizable_op_type; move it to [quantscope_param]");
        row("paddle-key-moved-typo", "[full_quant_param]\nper_channel=true\nquantizable_op_type=depthwise_conv\n", 3, "error",
            "unknown op type 'depthwise_conv'; did you mean depthwise_conv2d?");
        row("threshold-rate-moved", "[weight_quant_param]\nthreshold_rate=0.5\n", 2, "error", "threshold_rate=0.5 is out of range [0, 0.1]");
        row("target-device", "[full_quant_param]\ntarget_device=CPU\n", 2, "error", "'CPU' is not one of NVGPU, DSP, ASCEND");
        row("full-section-ignored", c + "quant_type=WEIGHT_QUANT\n[full_quant_param]\nper_channel=true\n", 3, "warning", "ignored: quant_type is WEIGHT_QUANT");
        row("strategy", "[dynamic_quant_param]\nquant_strategy=AWLC\n", 2, "error", "did you mean ALWC?");
        row("dynamic-op-type-typo", "[common_quant_param]\nquant_type=DYNAMIC_QUANT\n[dynamic_quant_param]\nquantizable_op_type=depthwise_conv\n", 4, "error",
            "unknown op type 'depthwise_conv'; did you mean depthwise_conv2d?");
        row("full-no-data-convert", c + "quant_type=FULL_QUANT\n", 2, "warning", "quant_type=FULL_QUANT needs calibration data");
        row("calib-size-zero", "[data_preprocess_param]\ncalibrate_path=input:/tmp\ncalibrate_size=0\ninput_type=BIN\n", 3, "error", "calibrate_size=0 is out of range [1, 65535]");
        row("calib-size-big", "[data_preprocess_param]\ncalibrate_path=input:/tmp\ncalibrate_size=100000\ninput_type=BIN\n", 3, "error", "calibrate_size=100000 is out of range [1, 65535]");
        row("input-type", "[data_preprocess_param]\ncalibrate_path=input:/tmp\ncalibrate_size=1\ninput_type=JPEG\n", 4, "error", "'JPEG' is not one of IMAGE, BIN");
        row("path-missing", "[data_preprocess_param]\ncalibrate_size=1\ninput_type=BIN\n", 1, "error", "calibrate_path is required");
        row("size-missing", "[data_preprocess_param]\ncalibrate_path=input:/tmp\ninput_type=BIN\n", 1, "error", "calibrate_size is required");
        row("type-input-missing", "[data_preprocess_param]\ncalibrate_path=input:/tmp\ncalibrate_size=2\n", 1, "error", "input_type is required");
        row("path-no-folder", "[data_preprocess_param]\ncalibrate_path=input:\ncalibrate_size=1\ninput_type=BIN\n", 2, "error", "'input:' names no folder");
        row("path-nonexistent", "[data_preprocess_param]\ncalibrate_path=input:/x/y\ncalibrate_size=1\ninput_type=BIN\n", 2, "warning", "directory /x/y does not exist");
        row("path-twice", "[data_preprocess_param]\ncalibrate_path=a:/tmp,a:/tmp\ncalibrate_size=1\ninput_type=BIN\n", 2, "error", "input 'a' is listed twice");
        row("path-two-bare", "[data_preprocess_param]\ncalibrate_path=/tmp,/var\ncalibrate_size=1\ninput_type=BIN\n", 2, "error", "folder /tmp has no input name");
        row("format", d + "image_to_format=RGBA\n", 5, "error", "did you mean RGB?");
        row("mean-count-rgb", d + "image_to_format=RGB\nnormalize_mean=[1, 2]\n", 6, "error", "normalize_mean has 2 values but image_to_format=RGB needs 3");
        row("mean-count-gray", d + "image_to_format=GRAY\nnormalize_mean=[127.5, 127.5, 127.5]\n", 6, "error", "normalize_mean has 3 values but image_to_format=GRAY needs 1");
        row("std-count", d + "normalize_std=[1, 2]\n", 5, "error", "normalize_std has 2 values; images have 1 or 3 channels");
        row("std-zero", d + "normalize_std=[0, 1, 1]\n", 5, "error", "a standard deviation of 0 divides by zero");
        row("mean-text", d + "normalize_mean=[a, b, c]\n", 5, "error", "'[a, b, c]' is not a list of numbers");
        row("mean-bracket", d + "normalize_mean=[1, 2, 3\n", 5, "error", "is not a list of numbers");
        row("resize-half", d + "resize_width=224\n", 5, "error", "resize_width and resize_height must be given together");
        row("crop-half", d + "center_crop_height=224\n", 5, "error", "center_crop_width and center_crop_height must be given together");
        row("crop-larger", d + "resize_width=224\nresize_height=224\ncenter_crop_width=300\ncenter_crop_height=200\n", 7, "error", "center_crop_width=300 is larger than resize_width=224");
        row("resize-zero", d + "resize_width=0\nresize_height=10\n", 5, "error", "resize_width=0 is out of range [1, 65535]");
        row("resize-method", d + "resize_width=10\nresize_height=10\nresize_method=BILINEAR\n", 7, "error", "'BILINEAR' is not one of LINEAR, NEAREST, CUBIC");
        row("resize-method-alone", d + "resize_method=LINEAR\n", 5, "warning", "ignored: no resize_width/resize_height given");
        row("keep-aspect-alone", d + "[quantscope_param]\nresize_keep_aspect=true\n", 6, "warning", "ignored: no resize_width/resize_height given");
        row("bin-ignores-image", "[data_preprocess_param]\ncalibrate_path=input:/tmp\ncalibrate_size=1\ninput_type=BIN\nresize_width=3\nresize_height=3\n", 5, "warning", "ignored: input_type=BIN files are fed as they are");
        row("key-outside", "bit_num=8\n[common_quant_param]\nquant_type=WEIGHT_QUANT\n", 1, "error", "key outside any section");
        row("section-malformed", "[common_quant_param\nquant_type=WEIGHT_QUANT\n", 1, "error", "malformed section header '[common_quant_param'");
        row("no-equals", c + "quant_type WEIGHT_QUANT\n", 2, "error", "expected key=value or [section], got 'quant_type WEIGHT_QUANT'");
        row("no-key", c + "=WEIGHT_QUANT\n", 2, "error", "a value without a key");
        row("unknown-key", c + "quant_type=WEIGHT_QUANT\nbitnum=8\n", 3, "error", "unknown key (converter_lite: not supported); did you mean bit_num?");
        row("key-wrong-section", c + "quant_type=WEIGHT_QUANT\ninit_scale=0.02\n", 3, "error", "it belongs in [mixed_bit_weight_quant_param]");
        row("unknown-section", "[full_quant_params]\nper_channel=true\n", 1, "warning", "did you mean [full_quant_param]?");
        row("duplicate", c + "quant_type=WEIGHT_QUANT\nbit_num=8\nbit_num=4\n", 4, "error", "bit_num: given twice, on lines 3 and 4");
        row("fragment", "[data_preprocess_param]\ncalibrate_path=input:/tmp\ncalibrate_size=1\ninput_type=BIN\n", 0, "warning", "quant_type is not set: this file is a fragment");
        row("model-input-name", std::string(kFull) + "calibrate_path=image:/tmp\ncalibrate_size=1\ninput_type=IMAGE\n", 6, "error", "'image' is not an input of the model (inputs: input)");
        row("model-skip-node", c + "quant_type=WEIGHT_QUANT\nskip_quant_node=conv_9\n", 3, "error", "the model has no node 'conv_9'");
        // per-node choices: node:value pairs, values by type, and by quant_type
        row("node-bits-full", c + "quant_type=FULL_QUANT\n[quantscope_param]\nnode_weight_bits=Conv_6:12\n", 4, "error",
            "Conv_6:12 is not allowed with quant_type=FULL_QUANT: its weights are stored as int8 (2 to 8 bits)");
        row("node-bits-range", c + "quant_type=WEIGHT_QUANT\n[quantscope_param]\nnode_weight_bits=Conv_6:17\n", 4, "error",
            "Conv_6: '17' is not a whole number in [1, 16]");
        row("node-bits-pair", "[quantscope_param]\nnode_weight_bits=Conv_6\n", 2, "error", "'Conv_6' is not node:value");
        row("node-bits-twice", "[quantscope_param]\nnode_weight_bits=Conv_6:4,Conv_6:6\n", 2, "error", "node 'Conv_6' is given twice");
        row("node-bits-no-node", "[quantscope_param]\nnode_weight_bits=Conv_66:4\n", 2, "error", "the model has no node 'Conv_66'; did you mean Conv_6");
        row("node-method-typo", "[quantscope_param]\nnode_activation_quant_method=Conv_6:KLD\n", 2, "error", "Conv_6: 'KLD' is not one of MAX_MIN, KL, REMOVAL_OUTLIER; did you mean KL?");
        row("node-method-weight", c + "quant_type=WEIGHT_QUANT\n[quantscope_param]\nnode_activation_quant_method=Conv_6:KL\n", 4, "warning",
            "ignored: quant_type is WEIGHT_QUANT");
        row("int16-no-node", "[quantscope_param]\nint16_activation_node=Conv_6,Conv_99\n", 2, "error", "the model has no node 'Conv_99'; did you mean Conv_0?");
        row("int16-weight", c + "quant_type=WEIGHT_QUANT\n[quantscope_param]\nint16_activation_node=Conv_6\n", 4, "warning",
            "ignored: quant_type is WEIGHT_QUANT (only full quantization quantizes activations)");
        row("activation-equalization-weight", c + "quant_type=WEIGHT_QUANT\n[quantscope_param]\nactivation_equalization=true\n", 4, "warning",
            "ignored: quant_type is WEIGHT_QUANT (only full quantization quantizes activations)");
        row("activation-equalization-typo", "[quantscope_param]\nactivation_equalization=yes please\n", 2, "error", "activation_equalization");
    }

    void testWrongConfigs()
    {
        QFETCH(QString, ini);
        QFETCH(int, line);
        QFETCH(QString, severity);
        QFETCH(QString, message);
        static LoadResult model = loadModel(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        Diagnostics d;
        IniDocument doc = parseConfig(ini.toStdString(), "test.ini", d);
        ValidateOptions opts;
        opts.model = &model.graph;
        Diagnostics v = validateConfig(doc, opts);
        d.insert(d.end(), v.begin(), v.end());
        Diagnostic::Severity sev = severity == "error" ? Diagnostic::Severity::Error : Diagnostic::Severity::Warning;
        std::string all;
        bool found = false;
        for (const Diagnostic& x : d) {
            all += x.toString() + "\n";
            if (x.severity == sev && x.line == line && x.toString().find(message.toStdString()) != std::string::npos) found = true;
            QVERIFY(x.file == "test.ini");
        }
        QVERIFY2(found, qPrintable("expected line " + QString::number(line) + " " + severity + ": " + message + "\ngot:\n" + QString::fromStdString(all)));
    }

    void testRoundTripKeepsEverything()
    {
        for (const fs::path& f : referenceExamples()) {
            std::string text = readText(f);
            Diagnostics d;
            IniDocument a = IniDocument::parse(text, f.string(), d);
            QCOMPARE(a.toString(), text);  // byte for byte, comments and spacing included
            IniDocument b = IniDocument::parse(a.toString(), f.string(), d);
            QCOMPARE(b.toString(), text);
            for (const std::string& s : a.sections()) QCOMPARE(a.entries(s), b.entries(s));
        }
    }

    void testEditsKeepLayout()
    {
        std::string text = "# header\r\n[common_quant_param]\r\n# the type\r\nquant_type = WEIGHT_QUANT\r\n\r\n[full_quant_param]\r\nper_channel=true\r\n";
        Diagnostics d;
        IniDocument doc = IniDocument::parse(text, "x.ini", d);
        doc.set("common_quant_param", "quant_type", "FULL_QUANT");
        doc.set("common_quant_param", "bit_num", "8");
        doc.set("dynamic_quant_param", "quant_strategy", "ACWL");
        QCOMPARE(doc.toString(), std::string("# header\r\n[common_quant_param]\r\n# the type\r\nquant_type = FULL_QUANT\r\nbit_num=8\r\n\r\n"
                                             "[full_quant_param]\r\nper_channel=true\r\n\r\n[dynamic_quant_param]\r\nquant_strategy=ACWL\r\n"));
    }

    void testLegacyFilesMapToSections()
    {
        Diagnostics d;
        IniDocument doc = loadConfigFile(QUANTSCOPE_TEST_DATA "/config/reference/mindspore_r1.3_legacy.cfg", d);
        QCOMPARE(*doc.get("common_quant_param", "quant_type"), std::string("FULL_QUANT"));
        QCOMPARE(*doc.get("data_preprocess_param", "calibrate_path"), std::string("/dir/images"));
        QCOMPARE(*doc.get("data_preprocess_param", "input_type"), std::string("BIN"));
        QCOMPARE(*doc.get("data_preprocess_param", "calibrate_size"), std::string("100"));
        QCOMPARE(*doc.get("full_quant_param", "activation_quant_method"), std::string("MAX_MIN"));
        QCOMPARE(*doc.get("full_quant_param", "bias_correction"), std::string("true"));
        std::string notes;
        for (const Diagnostic& x : d) notes += x.toString() + "\n";
        QVERIFY2(notes.find(":4: note: thread_num: has no config key any more; pass --threads 1") != std::string::npos, notes.c_str());
        QVERIFY(notes.find(":1: note: image_path: became [data_preprocess_param] calibrate_path=/dir/images") != std::string::npos);

        Diagnostics f;
        IniDocument flags = IniDocument::parse("", "<flags>", f);
        applyLegacyFlags({{"quantType", "WeightQuant"}, {"bitNum", "4"}, {"quantWeightSize", "500"}, {"quantWeightChannel", "16"}}, flags, f);
        QCOMPARE(*flags.get("common_quant_param", "quant_type"), std::string("WEIGHT_QUANT"));
        QCOMPARE(*flags.get("common_quant_param", "bit_num"), std::string("4"));
        QCOMPARE(*flags.get("common_quant_param", "min_quant_weight_size"), std::string("500"));
        QVERIFY(!hasErrors(validateConfig(flags)));
    }

    void testTemplatesAreValid()
    {
        for (const char* kind : {"full", "weight", "mixed", "dynamic"}) {
            Diagnostics d;
            IniDocument doc = parseConfig(configTemplate(kind), kind, d);
            Diagnostics v = validateConfig(doc);
            for (const Diagnostic& x : v) {
                bool onlyPath = x.message.find("does not exist") != std::string::npos;
                QVERIFY2(x.severity == Diagnostic::Severity::Note || onlyPath, qPrintable(QString::fromStdString(x.toString())));
            }
            QVERIFY(doc.get("common_quant_param", "quant_type"));
            // a key whose presence switches a feature on is shown commented out: the full template quantizes plainly
            QVERIFY(!doc.get("full_quant_param", "smooth_alpha"));
        }
    }

    void testEveryKeyHasBilingualDocs()
    {
        for (const KeySchema& k : configKeys()) {
            QVERIFY2(!k.docEn.empty() && !k.docZh.empty(), k.name.c_str());
            QVERIFY(findSection(k.section));
        }
    }

    void testRandomAndTruncatedInputNeverCrash()
    {
        std::mt19937 rng(7);
        std::vector<std::string> seeds;
        for (const fs::path& f : referenceExamples()) seeds.push_back(readText(f));
        const std::string alphabet = "[]=#;,:.-_ \n\r\tabcdefghijklmnopqrstuvwxyz0123456789QUANT\xff\x00";
        int runs = 0;
        for (const std::string& seed : seeds) {
            for (size_t cut = 0; cut <= seed.size(); cut += 7) {  // every truncation, in steps
                Diagnostics d;
                IniDocument doc = parseConfig(seed.substr(0, cut), "t.ini", d);
                validateConfig(doc);
                QCOMPARE(IniDocument::parse(seed.substr(0, cut), "t.ini", d).toString(), seed.substr(0, cut));
                ++runs;
            }
            for (int k = 0; k < 200; ++k) {  // random mutations
                std::string s = seed;
                for (int m = 0; m < 8 && !s.empty(); ++m) s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
                Diagnostics d;
                IniDocument doc = parseConfig(s, "m.ini", d);
                validateConfig(doc);
                ++runs;
            }
        }
        for (int k = 0; k < 2000; ++k) {  // pure noise
            std::string s(rng() % 300, ' ');
            for (char& ch : s) ch = char(rng() % 256);
            Diagnostics d;
            IniDocument doc = parseConfig(s, "n.ini", d);
            validateConfig(doc);
            ++runs;
        }
        qInfo("%d parses of random and truncated configs", runs);
    }

    void testProjectFileRoundTrip()
    {
        QTemporaryDir dir;
        std::string path = dir.filePath("demo.quantscope.yaml").toStdString();
        Project p;
        p.model = dir.filePath("models/m.onnx").toStdString();
        p.configText = "[common_quant_param]\nquant_type=FULL_QUANT\n";
        p.skipNodes = {"conv_1", "add_8"};
        p.calibration["input"] = dir.filePath("calib").toStdString();
        p.overrides["conv_3"].bits = 4;
        p.overrides["conv_3"].method = "KL";
        p.overrides["conv_4"].skip = true;
        p.overrides["conv_5"].int16 = true;
        p.ui["selected"] = "conv_3";
        saveProject(p, path);
        QVERIFY(readText(path).find("model: models/m.onnx") != std::string::npos);  // stored relative
        Project q = loadProject(path);
        QCOMPARE(q.model, p.model);
        QCOMPARE(q.configText, p.configText);
        QCOMPARE(q.skipNodes, p.skipNodes);
        QCOMPARE(q.calibration, p.calibration);
        QCOMPARE(*q.overrides["conv_3"].bits, 4);
        QCOMPARE(*q.overrides["conv_3"].method, std::string("KL"));
        QCOMPARE(*q.overrides["conv_4"].skip, true);
        QCOMPARE(*q.overrides["conv_5"].int16, true);
        QCOMPARE(q.ui["selected"], std::string("conv_3"));
    }

    void testNodeMapEdits()
    {
        // names keep their own colons: a value splits at the last one
        auto items = parseNodeMap("conv1:4, model/x:0/conv:6");
        QVERIFY(items.has_value());
        QCOMPARE(items->size(), size_t(2));
        QCOMPARE((*items)[1].first, std::string("model/x:0/conv"));
        QCOMPARE((*items)[1].second, std::string("6"));
        QCOMPARE(nodeMapWith("conv1:4,conv2:6", "conv2", "3"), std::string("conv1:4,conv2:3"));  // in place
        QCOMPARE(nodeMapWith("conv1:4", "conv2", "KL"), std::string("conv1:4,conv2:KL"));
        QCOMPARE(nodeMapWith("conv1:4,conv2:6", "conv1", ""), std::string("conv2:6"));  // removed
        QCOMPARE(nodeMapWith("", "conv1", ""), std::string());
    }

    void testProjectOverridesReachTheConfig()
    {
        Project p;
        p.configText = "[common_quant_param]\nquant_type=FULL_QUANT\n[quantscope_param]\nnode_weight_bits=Conv_2:6,Conv_6:5\n"
                       "int16_activation_node=Conv_3,Conv_4\n";
        p.overrides["Conv_3"].int16 = false;  // the project's choice wins both ways
        p.overrides["Conv_7"].int16 = true;
        p.overrides["Conv_6"].bits = 4;
        p.overrides["Conv_8"].method = "KL";
        p.overrides["Conv_9"].skip = true;
        Diagnostics d;
        IniDocument doc = projectConfig(p, "p.quantscope.yaml", d);
        QCOMPARE(d.size(), size_t(0));
        QCOMPARE(configValue(doc, "quantscope_param", "node_weight_bits"), std::string("Conv_2:6,Conv_6:4"));  // the project's wins
        QCOMPARE(configValue(doc, "quantscope_param", "node_activation_quant_method"), std::string("Conv_8:KL"));
        QCOMPARE(configValue(doc, "common_quant_param", "skip_quant_node"), std::string("Conv_9"));
        QCOMPARE(configValue(doc, "quantscope_param", "int16_activation_node"), std::string("Conv_4,Conv_7"));
    }

    void testProjectFileErrors_data()
    {
        QTest::addColumn<QString>("yaml");
        QTest::addColumn<QString>("message");
        QTest::newRow("newer") << "quantscope_project: 7\nmodel: m.onnx\n" << ":1: project version 7 is newer than this Quantscope supports (1); update Quantscope";
        QTest::newRow("not-yaml") << "model: [unclosed\n" << ": not valid YAML";
        QTest::newRow("no-version") << "model: m.onnx\n" << "no 'quantscope_project' version key";
        QTest::newRow("unknown-key") << "quantscope_project: 1\nmodel: m.onnx\nmodle: x\n" << ":3: unknown key 'modle'";
        QTest::newRow("bad-bits") << "quantscope_project: 1\nmodel: m.onnx\noverrides:\n  conv:\n    bits: 40\n" << ":5: bits must be 1 to 16";
        QTest::newRow("skip-not-list") << "quantscope_project: 1\nmodel: m.onnx\nskip_quant_node: conv\n" << ":3: 'skip_quant_node' must be a list";
        QTest::newRow("both-configs") << "quantscope_project: 1\nmodel: m.onnx\nconfig_file: a.ini\nconfig: x\n" << "either 'config' (inline) or 'config_file'";
    }

    void testProjectFileErrors()
    {
        QFETCH(QString, yaml);
        QFETCH(QString, message);
        QTemporaryDir dir;
        std::string path = dir.filePath("p.yaml").toStdString();
        std::ofstream(path) << yaml.toStdString();
        try {
            loadProject(path);
            QFAIL("no error");
        } catch (const InputError& e) {
            QVERIFY2(std::string(e.what()).find(message.toStdString()) != std::string::npos, e.what());
            QVERIFY(std::string(e.what()).rfind(path, 0) == 0);
        }
    }

    void testValidateCommand()
    {
        std::string out, err;
        QCOMPARE(cli({"validate", QUANTSCOPE_TEST_DATA "/config/reference/mindspore_r2.6_04.ini"}, &out, &err), 0);
        QTemporaryDir dir;
        std::string bad = dir.filePath("bad.ini").toStdString();
        std::ofstream(bad) << "[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=4\n";
        QCOMPARE(cli({"validate", bad}, &out, &err), 1);
        QVERIFY2(out.find(bad + ":3: error: [common_quant_param] bit_num: bit_num=4 is not allowed") != std::string::npos, out.c_str());
        QCOMPARE(cli({"validate", dir.filePath("none.ini").toStdString()}, &out, &err), 1);
        QVERIFY(out.find("config file not found") != std::string::npos);
    }

    void testConvertFailsCleanly()
    {
        std::string out, err;
        std::string model = test::modelPath("mobilenet_v1_0.25_224.onnx");
        QTemporaryDir dir;
        std::string cfg = dir.filePath("c.ini").toStdString();
        std::ofstream(cfg) << kFull << "calibrate_path=input:/x/y\ncalibrate_size=10\ninput_type=IMAGE\n";
        QCOMPARE(cli({"convert", "--fmk=ONNX", "--modelFile=" + model, "--outputFile=" + dir.filePath("o.onnx").toStdString(), "--configFile=" + cfg}, &out, &err), 2);
        QVERIFY2(err.find("error: [data_preprocess_param] calibrate_path: directory /x/y does not exist") != std::string::npos, err.c_str());
        QCOMPARE(cli({"convert", "--fmk=TFLITE", "--modelFile=" + model, "--outputFile=x", "--configFile=" + cfg}, &out, &err), 2);
        QVERIFY2(err.find("--fmk=TFLITE but the file is a onnx model") != std::string::npos, err.c_str());
        QCOMPARE(cli({"convert", "--fmk=ONNX", "--modelFile=" + model, "--outputFile=" + model, "--configFile=" + cfg}, &out, &err), 2);
        QVERIFY2(err.find("refusing to overwrite the input model") != std::string::npos, err.c_str());
        QCOMPARE(cli({"convert", "--fmk=ONNX", "--modelFile=" + model, "--outputFile=x"}, &out, &err), 2);
        QVERIFY(err.find("nothing to convert") != std::string::npos);
        QCOMPARE(cli({"config", "--template", "full"}, &out, &err), 0);
        QVERIFY(out.find("quant_type=FULL_QUANT") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "test_config.moc"
