// quantscope-cli inspect/run end to end, and every bad input the foundation promises to handle: a one-line
// message that names the file and what is wrong, exit code 2, no crash.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

#include <fstream>
#include <map>
#include <sstream>

#include "calibration/datasource.h"
#include "clirun.h"
#include "config/config.h"
#include "formats/modelloader.h"
#include "testdata.h"
#include "util/atomicfile.h"
#include "util/memorybudget.h"
#include "util/npy.h"

using namespace qs;

namespace {
using test::cli;
using Result = test::CliResult;

void writeBytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }
}  // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string tmp(const std::string& name) { return m_dir.filePath(QString::fromStdString(name)).toStdString(); }
    std::string mobilenet() { return test::modelPath("mobilenet_v1_0.25_224.onnx"); }
    std::string goodInput()
    {
        std::string p = tmp("goldfish.npy");
        Tensor t = loadImageTensor(test::imagePath("imagenet-sample/n01443537_goldfish.jpg"),
                                   test::imagenetPreprocess(), {1, 3, 224, 224}, true);
        writeFileAtomic(p, npyBytes(t));
        return p;
    }

private slots:
    void testSensitivityRanksEveryWeightedNode()
    {
        const std::string model = test::modelPath("resnet8_cifar10.onnx");
        const std::string calib = test::linkFiles({"airplane_0001.jpg", "bird_0001.jpg", "cat_0001.jpg", "deer_0001.jpg"},
                                                  test::imagePath("cifar10"), tmp("sens_calib"));
        const std::string ini = tmp("sens.ini");
        writeFileAtomic(ini, "[common_quant_param]\nquant_type=FULL_QUANT\n" + test::calibrationSection(calib, 4, test::pre({}, {})));
        const std::string csv = tmp("sens.csv");
        Result r = cli({"sensitivity", "--fmk=ONNX", "--modelFile=" + model, "--configFile=" + ini, "--samples", "3", "--csv", csv});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.rfind("output cosine against float: ", 0) == 0, r.out.c_str());
        QVERIFY2(r.out.find("(3 samples)") != std::string::npos, r.out.c_str());
        size_t weighted = 0;
        for (const Node& n : loadModel(model).graph.nodes) weighted += n.opType == "Conv" || n.opType == "Gemm" || n.opType == "MatMul";
        std::istringstream rows(readFileBytes(csv));
        std::string line;
        std::vector<std::string> lines;
        while (std::getline(rows, line)) lines.push_back(line);
        QVERIFY(!lines.empty());
        QCOMPARE(lines.front(), std::string("rank,node,op,cosine_kept_float,gain,log10_error"));
        QCOMPARE(lines.size(), weighted + 1);
        // dynamic quantization's run-time scales are not simulated in memory: said, not guessed
        const std::string dyn = tmp("sens_dyn.ini");
        writeFileAtomic(dyn, "[common_quant_param]\nquant_type=DYNAMIC_QUANT\n" + test::calibrationSection(calib, 4, test::pre({}, {})));
        r = cli({"sensitivity", "--fmk=ONNX", "--modelFile=" + model, "--configFile=" + dyn});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.find("sensitivity ranks FULL_QUANT and WEIGHT_QUANT plans") != std::string::npos, r.err.c_str());
    }

    void testSensitivityReportsTaskMetrics()
    {
        // a face detector's outputs (scores and boxes per anchor) are not classes: beside the cosine, the report gives
        // how many of float's detections the int8 plan keeps (box match, an F1 in [0, 1])
        const std::string model = test::modelPath("ultraface_rfb_320.onnx");
        const std::string calib = test::linkFiles({"face.jpg", "grace_hopper.jpg"}, test::imagePath("photos"), tmp("face_calib"));
        const std::string ini = tmp("face.ini");
        writeFileAtomic(ini, "[common_quant_param]\nquant_type=FULL_QUANT\n" + test::calibrationSection(calib, 2, test::pre({127.f}, {128.f}, 320, 240)));
        Result r = cli({"sensitivity", "--fmk=ONNX", "--modelFile=" + model, "--configFile=" + ini, "--samples", "2"});
        QCOMPARE(r.code, 0);
        const size_t at = r.out.find(", box match ");
        QVERIFY2(at != std::string::npos && r.out.find("mask IoU") == std::string::npos, r.out.c_str());
        const double match = std::stod(r.out.substr(at + 12));
        QVERIFY2(match > 0.5 && match <= 1.0, r.out.c_str());
    }

    void testTargetCosineRaisesNodesAndReplays_data()
    {
        // target: ONNX full quantization tries int16 activations first; each row's target needs the way it names
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("way");
        QTest::newRow("ONNX, int16 activations") << "mobilenet_v1_0.25_224.onnx" << "0.99" << "int16";
        QTest::newRow("ONNX, beyond int16: float") << "resnet8_cifar10.onnx" << "0.9995" << "float";
        QTest::newRow("TFLite: float") << "resnet8_cifar10.tflite" << "0.9998" << "float";
    }

    void testTargetCosineRaisesNodesAndReplays()
    {
        QFETCH(QString, model);
        QFETCH(QString, target);
        QFETCH(QString, way);
        const std::string modelPath = test::modelPath(model.toStdString()), fmk = model.endsWith(".onnx") ? "ONNX" : "TFLITE";
        const std::string goal = target.toStdString(), ext = model.endsWith(".onnx") ? ".onnx" : ".tflite";
        const bool imagenet = model.startsWith("mobilenet");
        const std::string folder = imagenet ? "imagenet-sample" : "cifar10";
        std::vector<std::string> images = {"airplane_0001.jpg", "bird_0001.jpg", "cat_0001.jpg", "deer_0001.jpg", "dog_0001.jpg",
                                           "frog_0001.jpg", "horse_0001.jpg", "ship_0001.jpg"};  // one of each kind
        if (imagenet) images = test::readList(test::imagePath(folder) + "/calib.txt");
        QVERIFY(images.size() >= 8);
        images.resize(8);
        const std::string calib = test::linkFiles(images, test::imagePath(folder), tmp("target_calib_" + QString(QTest::currentDataTag()).replace(QRegularExpression("\\W"), "_").toStdString()));
        const std::string ini = tmp("target.ini");
        writeFileAtomic(ini, "[common_quant_param]\nquant_type=FULL_QUANT\n" +
                                 test::calibrationSection(calib, 8, imagenet ? test::imagenetPreprocess() : test::pre({}, {})));
        const std::string out = tmp("target_q" + ext);
        Result r = cli({"convert", "--fmk=" + fmk, "--modelFile=" + modelPath, "--configFile=" + ini, "--outputFile=" + out, "--target-cosine=" + goal});
        QCOMPARE(r.code, 0);
        // every trial printed ("  K most damaging weighted nodes int16|float: cosine C, ..."), then the nodes raised;
        // the trial with as many, that way, reaches the target, and one fewer misses it
        const bool int16 = way == "int16";
        const std::string item = int16 ? "  int16 activations for " : "  keep ";
        std::vector<std::string> raised;
        std::map<size_t, double> trials;
        std::istringstream lines(r.err);
        const std::string trial = " most damaging weighted nodes " + way.toStdString() + ": cosine ";
        for (std::string line; std::getline(lines, line);)
            if (line.rfind(item, 0) == 0) raised.push_back(line.substr(item.size(), line.find(' ', item.size()) - item.size()));
            else if (size_t at = line.find(trial); at != std::string::npos) trials[std::stoul(line)] = std::stod(line.substr(at + trial.size()));
        QVERIFY2(!raised.empty(), r.err.c_str());
        QVERIFY2(trials.count(raised.size()) && trials[raised.size()] >= std::stod(goal), r.err.c_str());
        if (trials.count(raised.size() - 1)) QVERIFY2(trials[raised.size() - 1] < std::stod(goal), r.err.c_str());
        if (!int16 && fmk == "ONNX") QVERIFY2(r.err.find(" most damaging weighted nodes int16: cosine ") != std::string::npos, r.err.c_str());
        // the replay config names them, without the target; converting with it writes the same model
        const std::string replay = readFileBytes(out + ".ini");
        QVERIFY2(replay.find("target_cosine") == std::string::npos, replay.c_str());
        std::string list;
        for (const std::string& k : raised) list += (list.empty() ? "" : ",") + k;
        QVERIFY2(replay.find((int16 ? "int16_activation_node=" : "skip_quant_node=") + list + "\n") != std::string::npos, replay.c_str());
        const std::string again = tmp("target_replayed" + ext);
        r = cli({"convert", "--fmk=" + fmk, "--modelFile=" + modelPath, "--configFile=" + out + ".ini", "--outputFile=" + again});
        QCOMPARE(r.code, 0);
        QVERIFY(r.err.find(item) == std::string::npos);
        QVERIFY(readFileBytes(again) == readFileBytes(out));
        if (fmk != "ONNX" || int16) return;
        // out of reach (the int8 residual Adds stay) and out of range: said, nothing written
        r = cli({"convert", "--fmk=ONNX", "--modelFile=" + modelPath, "--configFile=" + ini, "--outputFile=" + tmp("target_1.onnx"), "--target-cosine=1"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.find("target_cosine=1 is out of reach") != std::string::npos, r.err.c_str());
        QVERIFY2(r.err.find("only a float model meets it") != std::string::npos, r.err.c_str());
        QVERIFY(!std::filesystem::exists(tmp("target_1.onnx")));
        r = cli({"convert", "--fmk=ONNX", "--modelFile=" + modelPath, "--configFile=" + ini, "--outputFile=" + tmp("target_2.onnx"), "--target-cosine=1.5"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.find("target_cosine=1.5: give a cosine in (0, 1]") != std::string::npos, r.err.c_str());
    }

    void testConvertReplaysProject()
    {
        // A project's skip list and calibration folder apply on top of its config file; the output is named after it.
        const std::string model = test::modelPath("resnet8_cifar10.onnx");
        const std::string calib = test::linkFiles({"airplane_0002.jpg", "bird_0002.jpg", "cat_0002.jpg"}, test::imagePath("cifar10"), tmp("proj_calib"));
        const std::string base = "[common_quant_param]\nquant_type=FULL_QUANT\n";
        writeFileAtomic(tmp("proj.ini"), base + test::calibrationSection(tmp("proj_elsewhere"), 3, test::pre({}, {})));
        writeFileAtomic(tmp("proj.quantscope.yaml"), "quantscope_project: 1\nmodel: " + model + "\nconfig_file: proj.ini\nskip_quant_node: [Conv_2]\n"
                                                     "calibration:\n  input: proj_calib\n");
        Result r = cli({"convert", "--project=" + tmp("proj.quantscope.yaml")});
        QVERIFY2(r.code == 0, r.err.c_str());
        QVERIFY(std::filesystem::exists(tmp("proj_quant.onnx")));
        writeFileAtomic(tmp("direct.ini"), base + "skip_quant_node=Conv_2\n" + test::calibrationSection(calib, 3, test::pre({}, {})));
        r = cli({"convert", "--fmk=ONNX", "--modelFile=" + model, "--configFile=" + tmp("direct.ini"), "--outputFile=" + tmp("direct.onnx")});
        QCOMPARE(r.code, 0);
        QVERIFY(readFileBytes(tmp("proj_quant.onnx")) == readFileBytes(tmp("direct.onnx")));
        r = cli({"convert", "--project=" + tmp("proj.quantscope.yaml"), "--modelFile=" + model});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.find("--project gives the model and the config; drop --modelFile") != std::string::npos, r.err.c_str());
    }

    void testInspectJson()
    {
        Result r = cli({"inspect", test::modelPath("mobilenet_v1_0.25_224.tflite"), "--json"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.find("\"format\":\"tflite\"") != std::string::npos);
        QVERIFY(r.out.find("\"name\":\"input\",\"dtype\":\"float32\",\"shape\":[1,224,224,3]") != std::string::npos);
        QVERIFY(r.out.find("\"DEPTHWISE_CONV_2D\":13") != std::string::npos);
        QVERIFY(r.out.find("\"unsupported_ops\":[]") != std::string::npos);
    }

    void testInspectInputShapeOverride()
    {
        Result r = cli({"inspect", test::modelPath("ppocr_mobile_v2_cls.onnx"), "--inputShape=x:1,3,48,192"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.find("input:      x float32[1,3,48,192]") != std::string::npos, r.out.c_str());
    }

    void testRunWritesNpyAndTiming()
    {
        std::string out = tmp("out");
        Result r = cli({"run", mobilenet(), "--input", "input=" + goodInput(), "--output-dir", out, "--repeat", "3", "--threads", "2"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.find("\"median_ms\":") != std::string::npos);
        Tensor y = readNpy(out + "/output.npy");
        QCOMPARE(y.shape(), (Shape{1, 1001}));
        auto v = y.toFloat();
        QCOMPARE(int(std::max_element(v.begin(), v.end()) - v.begin()), 2);  // goldfish is class 2 of 1001
    }

    void testRunSavesPreprocessedInputs()
    {
        std::string out = tmp("saved");
        Result r = cli({"run", mobilenet(), "--input", "input=" + test::imagePath("imagenet-sample/n01443537_goldfish.jpg"), "--mean=127.5",
                        "--std=127.5", "--crop=224x224", "--output-dir", out, "--save-inputs"});
        QCOMPARE(r.code, 0);
        Tensor saved = readNpy(out + "/input_input.npy");
        Tensor expected = loadImageTensor(test::imagePath("imagenet-sample/n01443537_goldfish.jpg"), test::imagenetPreprocess(), {1, 3, 224, 224}, true);
        QCOMPARE(saved.shape(), expected.shape());
        QCOMPARE(saved.toFloat(), expected.toFloat());
    }

    void testKeepAspectCutsTheCentreInsteadOfStretching()
    {
        // a 3:2 photo: covering 200x200 keeping the aspect is stretching to 300x200 and cutting the centre 200x200
        const std::string photo = test::imagePath("photos/cat.jpg");
        ImagePreprocess keep = test::pre({127.5f}, {127.5f}, 200, 200);
        keep.keepAspect = true;
        Tensor kept = loadImageTensor(photo, keep, {1, 3, 200, 200}, true);
        Tensor cut = loadImageTensor(photo, test::pre({127.5f}, {127.5f}, 300, 200, 200, 200), {1, 3, 200, 200}, true);
        Tensor stretched = loadImageTensor(photo, test::pre({127.5f}, {127.5f}, 200, 200), {1, 3, 200, 200}, true);
        QCOMPARE(kept.toFloat(), cut.toFloat());
        QVERIFY(kept.toFloat() != stretched.toFloat());
        // the CLI's --keep-aspect and the INI's [quantscope_param] resize_keep_aspect reach it
        std::string out = tmp("kept");
        Result r = cli({"run", mobilenet(), "--input", "input=" + photo, "--mean=127.5", "--std=127.5", "--resize=300x300",
                        "--keep-aspect", "--crop=224x224", "--output-dir", out, "--save-inputs"});
        QCOMPARE(r.code, 0);
        keep.resizeWidth = keep.resizeHeight = 300;
        keep.cropWidth = keep.cropHeight = 224;
        QCOMPARE(readNpy(out + "/input_input.npy").toFloat(), loadImageTensor(photo, keep, {1, 3, 224, 224}, true).toFloat());
        Diagnostics diags;
        IniDocument ini = parseConfig("[data_preprocess_param]\nresize_width=300\nresize_height=300\n[quantscope_param]\nresize_keep_aspect=true\n",
                                      "keep.ini", diags);
        QVERIFY(imagePreprocessFromConfig(ini).keepAspect);
    }

    void testConvertWeightQuantSummaryAndReports()
    {
        // No calibration data: weight quantization from the weights alone; every weighted layer says what it got.
        std::string ini = tmp("weight.ini"), reports = tmp("wreports");
        writeBytes(ini, "[common_quant_param]\nquant_type=WEIGHT_QUANT\nbit_num=4\nmin_quant_weight_size=0\n"
                        "min_quant_weight_channel=16\ndebug_info_save_path=" + reports + "\n");
        Result r = cli({"convert", "--fmk=ONNX", "--modelFile=" + mobilenet(), "--outputFile=" + tmp("w4.onnx"), "--configFile=" + ini});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.find("Conv_0 (Conv): float, 8 output channels, not more than min_quant_weight_channel=16") != std::string::npos, r.err.c_str());
        QVERIFY(r.err.find("4 bits, per channel, 4 packed bit planes (enable_encode") != std::string::npos);
        auto params = test::readList(reports + "/quant_param.csv");
        QVERIFY(std::any_of(params.begin(), params.end(), [](const std::string& l) { return l.rfind("Conv_0,Conv,", 0) == 0 && l.find(",,,32,,") != std::string::npos; }));
        QVERIFY(std::any_of(params.begin(), params.end(), [](const std::string& l) { return l.find(",4,") != std::string::npos; }));
        // an out-of-range width is refused before anything is written
        writeBytes(ini, "[common_quant_param]\nquant_type=WEIGHT_QUANT\nbit_num=17\n");
        r = cli({"convert", "--fmk=ONNX", "--modelFile=" + mobilenet(), "--outputFile=" + tmp("w17.onnx"), "--configFile=" + ini});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.find("weight.ini:3: error: [common_quant_param] bit_num") != std::string::npos, r.err.c_str());
        QVERIFY(!std::filesystem::exists(tmp("w17.onnx")));
    }

    void testBadInput_data()
    {
        QTest::addColumn<int>("caseId");
        QTest::addColumn<QString>("expect");  // a substring of the error line
        QTest::newRow("truncated-onnx") << 0 << "truncated.onnx: not a valid ONNX model";
        QTest::newRow("corrupted-onnx") << 1 << "corrupted.onnx: not a valid ONNX model";
        QTest::newRow("truncated-tflite") << 2 << "truncated.tflite: not a valid TFLite model";
        QTest::newRow("corrupted-tflite") << 3 << "corrupted.tflite: not a valid TFLite model";
        QTest::newRow("empty-file") << 4 << "empty.onnx: the file is empty";
        QTest::newRow("missing-file") << 5 << "nothere.onnx: file not found";
        QTest::newRow("wrong-shape-npy") << 6 << "small.npy: array has shape [1,3,32,32] but input 'input' expects [1,3,224,224]";
        QTest::newRow("missing-input") << 7 << "missing --input for 'input'";
        QTest::newRow("unknown-input-name") << 8 << "the model has no input 'image'";
        QTest::newRow("not-npy") << 9 << "notnpy.npy: not a .npy file";
        QTest::newRow("truncated-npy") << 10 << "cut.npy: the header declares float32[1,3,224,224] but the file holds";
        QTest::newRow("bad-threads") << 11 << "--threads=0: expected a whole number from 1 to 256";
        QTest::newRow("inputshape-unknown-name") << 12 << "--inputShape names 'foo', which is not an input";
        QTest::newRow("wrong-dtype-npy") << 13 << "int.npy: array has type int64 but input 'input' expects float32";
        QTest::newRow("bad-memory-budget") << 14 << "--memory-budget=lots: expected a size such as 2G, 512M or 1073741824";
        QTest::newRow("over-memory-budget") << 15
                                            << "mobilenet_v1_0.25_224.onnx: reading the file needs 1.8 MiB, more than the memory budget of 1.0 MiB";
    }

    void testBadInput()
    {
        QFETCH(int, caseId);
        QFETCH(QString, expect);
        std::string onnx = readFileBytes(mobilenet());
        std::string tfl = readFileBytes(test::modelPath("mobilenet_v1_0.25_224.tflite"));
        std::string out = tmp("o");
        Result r;
        switch (caseId) {
        case 0:
            writeBytes(tmp("truncated.onnx"), onnx.substr(0, onnx.size() / 2));
            r = cli({"inspect", tmp("truncated.onnx")});
            break;
        case 1: {
            std::string c = onnx;
            for (size_t i = 0; i < 64; ++i) c[i] = char(0xff);
            writeBytes(tmp("corrupted.onnx"), c);
            r = cli({"inspect", tmp("corrupted.onnx")});
            break;
        }
        case 2:
            writeBytes(tmp("truncated.tflite"), tfl.substr(0, tfl.size() / 3));
            r = cli({"inspect", tmp("truncated.tflite")});
            break;
        case 3: {
            std::string c = tfl;
            for (size_t i = 8; i < 40; ++i) c[i] = char(0x7f);
            writeBytes(tmp("corrupted.tflite"), c);
            r = cli({"inspect", tmp("corrupted.tflite")});
            break;
        }
        case 4:
            writeBytes(tmp("empty.onnx"), "");
            r = cli({"inspect", tmp("empty.onnx")});
            break;
        case 5: r = cli({"inspect", tmp("nothere.onnx")}); break;
        case 6: {
            writeFileAtomic(tmp("small.npy"), npyBytes(Tensor(DataType::Float32, {1, 3, 32, 32})));
            r = cli({"run", mobilenet(), "--input", "input=" + tmp("small.npy"), "--output-dir", out});
            break;
        }
        case 7: r = cli({"run", mobilenet(), "--output-dir", out}); break;
        case 8: r = cli({"run", mobilenet(), "--input", "image=" + goodInput(), "--output-dir", out}); break;
        case 9:
            writeBytes(tmp("notnpy.npy"), "hello, this is text");
            r = cli({"run", mobilenet(), "--input", "input=" + tmp("notnpy.npy"), "--output-dir", out});
            break;
        case 10: {
            std::string good = readFileBytes(goodInput());
            writeBytes(tmp("cut.npy"), good.substr(0, good.size() - 1000));
            r = cli({"run", mobilenet(), "--input", "input=" + tmp("cut.npy"), "--output-dir", out});
            break;
        }
        case 11: r = cli({"run", mobilenet(), "--input", "input=" + goodInput(), "--output-dir", out, "--threads=0"}); break;
        case 12: r = cli({"inspect", mobilenet(), "--inputShape=foo:1,3,224,224"}); break;
        case 13:
            writeFileAtomic(tmp("int.npy"), npyBytes(Tensor(DataType::Int64, {1, 3, 224, 224})));
            r = cli({"run", mobilenet(), "--input", "input=" + tmp("int.npy"), "--output-dir", out});
            break;
        case 14: r = cli({"inspect", mobilenet(), "--memory-budget=lots"}); break;
        case 15: r = cli({"inspect", mobilenet(), "--memory-budget=1M"}); break;
        }
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.find(expect.toStdString()) != std::string::npos, r.err.c_str());
        QVERIFY2(r.err.rfind("error: ", 0) == 0, r.err.c_str());
        QCOMPARE(std::count(r.err.begin(), r.err.end(), '\n'), 1L);
    }

    void testUnsupportedOpReportedUpFront()
    {
        // An ONNX model with an op the runtime lacks is refused before running, naming the node.
        std::string onnx = readFileBytes(test::modelPath("mnist.onnx"));
        auto pos = onnx.find("MaxPool");
        QVERIFY(pos != std::string::npos);
        onnx.replace(pos, 7, "MaxPoox");
        writeBytes(tmp("odd.onnx"), onnx);
        Result i = cli({"inspect", tmp("odd.onnx")});
        QCOMPARE(i.code, 0);
        QVERIFY2(i.out.find("(MaxPoox)") != std::string::npos, i.out.c_str());
        writeFileAtomic(tmp("digit.npy"), npyBytes(Tensor(DataType::Float32, {1, 1, 28, 28})));
        Result r = cli({"run", tmp("odd.onnx"), "--input", "Input3=" + tmp("digit.npy"), "--output-dir", tmp("o2")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.find("does not support") != std::string::npos && r.err.find("(MaxPoox)") != std::string::npos, r.err.c_str());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
