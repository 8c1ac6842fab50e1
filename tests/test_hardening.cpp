// Hostile and broken input on real models: ONNX external data outside the model's folder, shapes that do not
// fit the file, NaN/Inf and constant calibration data, and an export killed with SIGKILL half-way.
#include <QTemporaryDir>
#include <QtTest>

#include <onnx/onnx_pb.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "calibration/datasource.h"
#include "calibration/imagepreprocess.h"
#include "config/config.h"
#include "config/project.h"
#include "util/npy.h"
#include "formats/modelloader.h"
#include "graph/error.h"
#include "runtime/interpreter.h"
#include "session/session.h"
#include "testdata.h"
#include "util/atomicfile.h"
#include "util/memorybudget.h"

using namespace qs;
namespace fs = std::filesystem;

namespace {
onnx::ModelProto readProto(const std::string& path)
{
    onnx::ModelProto m;
    std::string bytes = readFileBytes(path);
    if (!m.ParseFromString(bytes)) throw std::runtime_error("cannot parse " + path);
    return m;
}

std::string writeProto(const onnx::ModelProto& m, const std::string& path)
{
    std::string bytes;
    m.SerializeToString(&bytes);
    writeFileAtomic(path, bytes);
    return path;
}

// return the message of the InputError that loading path throws ("" when it loads)
std::string loadError(const std::string& path)
{
    try {
        loadModel(path);
    } catch (const InputError& e) {
        return e.what();
    }
    return {};
}
}  // namespace

class TestHardening : public QObject {
    Q_OBJECT
private slots:
    void testExternalDataConfinedToModelFolder()
    {
        QTemporaryDir dir;
        onnx::ModelProto m = readProto(test::modelPath("resnet8_cifar10.onnx"));
        onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
        const std::string raw = w->raw_data();
        QVERIFY(!raw.empty());
        auto externalise = [&](const std::string& location) {
            w->clear_raw_data();
            w->clear_external_data();
            w->set_data_location(onnx::TensorProto::EXTERNAL);
            auto* kv = w->add_external_data();
            kv->set_key("location");
            kv->set_value(location);
        };
        for (const std::string& bad : {std::string("../../etc/passwd"), std::string("/etc/passwd"), std::string("sub/../../x.bin")}) {
            externalise(bad);
            std::string err = loadError(writeProto(m, dir.filePath("bad.onnx").toStdString()));
            QVERIFY2(err.find("external data location '" + bad + "'") != std::string::npos && err.find("refused") != std::string::npos,
                     err.c_str());
        }
        // Inside the folder it loads, and computes what the original computes.
        writeFileAtomic(dir.filePath("weights.bin").toStdString(), raw);
        externalise("weights.bin");
        std::string good = writeProto(m, dir.filePath("external.onnx").toStdString());
        QCOMPARE(loadError(good), std::string());
        LoadResult a = loadModel(good), b = loadModel(test::modelPath("resnet8_cifar10.onnx"));
        Tensor x = loadImageTensor(test::imagePath("cifar10/bird_0001.jpg"), test::pre({}, {}), {1, 3, 32, 32}, true);
        QCOMPARE(Interpreter(a.graph).run({{"input", x}})[0].toFloat(), Interpreter(b.graph).run({{"input", x}})[0].toFloat());
        // A range beyond the file is refused before reading.
        auto* len = w->add_external_data();
        len->set_key("offset");
        len->set_value("1000000");
        QVERIFY(loadError(writeProto(m, dir.filePath("range.onnx").toStdString())).find("beyond the end of") != std::string::npos);
        len->set_value("12abc");  // and numbers that are not numbers are named
        std::string err = loadError(writeProto(m, dir.filePath("number.onnx").toStdString()));
        QVERIFY2(err.find("external data offset '12abc' is not a non-negative integer") != std::string::npos, err.c_str());
    }

    void testOversizedShapesRefusedBeforeAllocating()
    {
        QTemporaryDir dir;
        onnx::ModelProto m = readProto(test::modelPath("resnet8_cifar10.onnx"));
        onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
        // 2^40 elements: refused outright
        w->clear_dims();
        w->add_dims(int64_t(1) << 20);
        w->add_dims(int64_t(1) << 20);
        std::string err = loadError(writeProto(m, dir.filePath("huge.onnx").toStdString()));
        QVERIFY2(err.find("more than the memory budget") != std::string::npos && err.find("[1048576,1048576]") != std::string::npos,
                 err.c_str());
        // 4 GiB declared, a few hundred bytes held: refused by comparing sizes, without allocating 4 GiB
        w->clear_dims();
        w->add_dims(1 << 15);
        w->add_dims(1 << 15);
        err = loadError(writeProto(m, dir.filePath("big.onnx").toStdString()));
        QVERIFY2(err.find("bytes of raw data, expected 4294967296") != std::string::npos, err.c_str());
    }

    void testMemoryBudget()
    {
        // A small model whose Expand would produce 64 GiB: refused while planning, naming the node, before any
        // activation buffer is allocated. Then a budget below the model's file size refuses the file itself.
        QTemporaryDir dir;
        onnx::ModelProto m;
        m.set_ir_version(8);
        m.add_opset_import()->set_version(13);
        onnx::GraphProto* g = m.mutable_graph();
        g->set_name("expand_bomb");
        onnx::ValueInfoProto* x = g->add_input();
        x->set_name("x");
        x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
        for (int d : {1, 4}) x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
        onnx::TensorProto* shape = g->add_initializer();
        shape->set_name("shape");
        shape->set_data_type(onnx::TensorProto::INT64);
        shape->add_dims(3);
        for (int64_t d : {int64_t(65536), int64_t(65536), int64_t(4)}) shape->add_int64_data(d);
        onnx::NodeProto* n = g->add_node();
        n->set_name("bomb");
        n->set_op_type("Expand");
        n->add_input("x");
        n->add_input("shape");
        n->add_output("y");
        g->add_output()->set_name("y");
        std::string path = writeProto(m, dir.filePath("bomb.onnx").toStdString());
        LoadResult model = loadModel(path);
        Tensor in(DataType::Float32, {1, 4});
        const size_t saved = memoryBudget();
        setMemoryBudget(size_t(8) << 30);  // whatever this machine has
        std::string err;
        try {
            Interpreter(model.graph).run({{"x", in}});
        } catch (const InputError& e) {
            err = e.what();
        }
        QVERIFY2(err.find("node 'bomb' (Expand): output 'y' [65536,65536,4] needs 64.0 GiB, more than the memory budget") !=
                     std::string::npos,
                 err.c_str());

        setMemoryBudget(size_t(1) << 20);
        err = loadError(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        setMemoryBudget(saved);
        QVERIFY2(err.find("reading the file needs 1.8 MiB, more than the memory budget of 1.0 MiB") != std::string::npos, err.c_str());
        QCOMPARE(parseByteSize("1.5G").value_or(0), size_t(3) << 29);
        QCOMPARE(parseByteSize("512MiB").value_or(0), size_t(512) << 20);
        QVERIFY(!parseByteSize("lots"));
        QVERIFY(!parseByteSize("-1G"));
    }

    void testFuzzRegressionsFailCleanly()
    {
        // Inputs the fuzzers once crashed on (tests/fuzz/corpus): now messages, not crashes.
        const std::string corpus = std::string(QUANTSCOPE_TEST_DATA) + "/../fuzz/corpus/";
        LoadResult fc = loadModel(corpus + "tflite/regression-fc-zero-inputs.tflite");
        Tensor x = Tensor::fromFloat(std::vector<float>(4, 0.f), {1, 4});
        try {
            Interpreter(fc.graph).run({{"input", x}});
            QFAIL("the broken FULLY_CONNECTED ran");
        } catch (const InputError& e) {
            QVERIFY2(std::string(e.what()).find("node 'fc'") != std::string::npos, e.what());
        }
        try {  // dims whose running product overflows int64 before a 0 brings it back: a valid, empty array
            Tensor t = parseNpy(readFileBytes(corpus + "npy/regression-dims-overflow.npy"), "overflow.npy");
            QCOMPARE(t.count(), int64_t(0));
        } catch (const InputError& e) {
            QVERIFY2(std::string(e.what()).rfind("overflow.npy: ", 0) == 0, e.what());
        }
        try {
            parseProject(readFileBytes(corpus + "yaml/regression-list-for-string.quantscope.yaml"), "p.quantscope.yaml");
            QFAIL("the hostile project loaded");
        } catch (const InputError& e) {
            QVERIFY2(std::string(e.what()).rfind("p.quantscope.yaml:", 0) == 0, e.what());
        }
        // a float tensor read as a shape, holding -6e37 (converted with saturation; the sanitized CI run checks), and a
        // depthwise convolution without inputs (was an uncaught std::out_of_range), a Gather on a scalar (read past
        // its shape)
        for (const char* f : {"regression-float-shape-overflow.tflite", "regression-conv-without-inputs.tflite",
                              "regression-gather-scalar.tflite"}) {
            try {
                loadModel(corpus + "tflite/" + f);
            } catch (const InputError& e) {
                QVERIFY2(std::string(e.what()).find(std::string(f) + ": ") != std::string::npos, e.what());
            }
        }
        for (const char* dicom : {"regression_gdcm_assert", "regression_pnm_dicom"}) {  // OpenCV's DICOM decoder asserted
            try {
                imageTensorFromBytes(readFileBytes(corpus + "image/" + dicom).substr(1), "scan.dcm", {}, {1, 3, 32, 32}, true);
                QFAIL("the DICOM-like file decoded");
            } catch (const InputError& e) {
                QVERIFY2(std::string(e.what()).rfind("scan.dcm: not a JPEG, PNG", 0) == 0, e.what());
            }
        }
        {  // BIN calibration files: the byte count must match the input, and the shape must be known
            std::string err;
            try {
                binTensorFromBytes(std::string(100, '\0'), "cal/0001.bin", "input", DataType::Float32, {1, 3, 4, 4});
            } catch (const InputError& e) {
                err = e.what();
            }
            QCOMPARE(err, std::string("cal/0001.bin: 100 bytes, but input 'input' (float32[1,3,4,4]) needs 192"));
            QVERIFY_THROWS_EXCEPTION(InputError, binTensorFromBytes("", "cal/0002.bin", "input", DataType::Float32, {1, -1, 4}));
            QCOMPARE(binTensorFromBytes(std::string(192, '\0'), "cal/0003.bin", "input", DataType::Float32, {1, 3, 4, 4}).count(), int64_t(48));
        }
        {  // an 800-byte JPEG declaring 14376x34856 pixels: refused by the memory budget before decoding
            const size_t saved = memoryBudget();
            setMemoryBudget(size_t(1) << 30);
            std::string err;
            try {
                imageTensorFromBytes(readFileBytes(corpus + "image/regression_jpeg_bomb").substr(1), "bomb.jpg", {}, {1, 3, 32, 32}, true);
            } catch (const InputError& e) {
                err = e.what();
            }
            setMemoryBudget(saved);
            QVERIFY2(err.rfind("bomb.jpg: decoding a 14376x34856 image needs", 0) == 0, err.c_str());
        }
    }

    void testNanAndConstantCalibrationData()
    {
        // Real CIFAR-10 images as BIN files, some spoiled with NaN and Inf, one constant, one all zeros.
        QTemporaryDir dir;
        fs::path calib = fs::path(dir.path().toStdString()) / "bin";
        fs::create_directories(calib);
        auto names = test::readList(test::imagePath("cifar10") + "/calib.txt");
        for (int i = 0; i < 8; ++i) {
            Tensor x = loadImageTensor(test::imagePath("cifar10/" + names[size_t(i)]), test::pre({}, {}), {1, 3, 32, 32}, true);
            float* v = x.data<float>();
            if (i == 1) v[0] = NAN, v[100] = INFINITY, v[200] = -INFINITY;
            if (i == 2) std::fill(v, v + x.count(), 0.f);
            if (i == 3) std::fill(v, v + x.count(), 17.f);
            std::ofstream(calib / ("sample" + std::to_string(i) + ".bin"), std::ios::binary)
                .write(static_cast<const char*>(x.raw()), std::streamsize(x.byteSize()));
        }
        Diagnostics d;
        IniDocument config = parseConfig("[common_quant_param]\nquant_type=FULL_QUANT\n[data_preprocess_param]\ncalibrate_path=input:" +
                                             calib.string() + "\ncalibrate_size=8\ninput_type=BIN\n[full_quant_param]\nactivation_quant_method=KL\n",
                                         "nan.ini", d);
        Session s;
        s.load(test::modelPath("resnet8_cifar10.onnx"));
        s.calibrate(config);
        // the bad values are counted on the tensors they reach, and kept out of the ranges
        const TensorStats& input = s.statistics().at("input");
        QCOMPARE(input.nonFinite(), int64_t(3));
        QVERIFY(std::isfinite(input.min()) && std::isfinite(input.max()));
        for (const char* method : {"MAX_MIN", "KL", "REMOVAL_OUTLIER", "ABS_MAX", "AVG", "HIST", "MSE"}) {
            config.set("full_quant_param", "activation_quant_method", method);
            const QuantPlan& plan = s.quantize(config);
            QVERIFY(!plan.activations.empty());
            for (const auto& [name, p] : plan.activations)
                QVERIFY2(std::isfinite(p.scale[0]) && p.scale[0] > 0, qPrintable(QString("%1 %2").arg(method, QString::fromStdString(name))));
            for (const auto& [name, c] : plan.constants)
                for (float sc : c.params.scale) QVERIFY2(std::isfinite(sc) && sc > 0, name.c_str());
        }
    }

    void testBadImageMidwayStopsCalibrationCleanly()
    {
        // The 6th of 10 real photos is not an image: calibration (which decodes on a worker thread) stops with the
        // file's name, keeps no statistics, and the next run with good files works.
        QTemporaryDir dir;
        fs::path calib = fs::path(dir.path().toStdString()) / "calib";
        const std::string folder = test::imagePath("imagenet-sample");
        auto names = test::readList(folder + "/calib.txt");
        names.resize(10);
        test::linkFiles(names, folder, calib.string());
        fs::path bad = calib / fs::path(names[5]).filename();
        fs::remove(bad);
        std::ofstream(bad, std::ios::binary) << "this is not a photo";
        Diagnostics d;
        IniDocument config = parseConfig("[common_quant_param]\nquant_type=FULL_QUANT\n" + test::calibrationSection(calib.string(), 10, test::imagenetPreprocess()),
                                         "bad.ini", d);
        Session s;
        s.load(test::modelPath("mobilenet_v1_0.25_224.onnx"));
        try {
            s.calibrate(config);
            QFAIL("calibration accepted a file that is not an image");
        } catch (const InputError& e) {
            QVERIFY2(std::string(e.what()).find(bad.filename().string()) != std::string::npos, e.what());
        }
        QVERIFY(s.statistics().empty());
        fs::remove(bad);
        fs::create_symlink(fs::path(folder) / names[5], bad);
        s.calibrate(config);
        QCOMPARE(s.calibrationSamples(), size_t(10));
        QVERIFY(s.statistics().count("input"));
    }

    void testKilledExportLeavesOldFileOrNothing()
    {
        // A child rewrites the export over and over; SIGKILL at varying moments. The file is then absent or one of
        // the complete versions, never a truncated one.
        QTemporaryDir dir;
        const std::string target = dir.filePath("model.onnx").toStdString();
        const std::string a(24 << 20, 'a'), b(16 << 20, 'b');
        for (int round = 0; round < 6; ++round) {
            pid_t pid = fork();
            QVERIFY(pid >= 0);
            if (pid == 0) {
                for (int i = 0;; ++i) writeFileAtomic(target, i % 2 ? b : a);
                _exit(0);
            }
            usleep(useconds_t(20000 + round * 37000));
            kill(pid, SIGKILL);
            int status = 0;
            waitpid(pid, &status, 0);
            QVERIFY(WIFSIGNALED(status));
            if (!fs::exists(target)) continue;
            std::string got = readFileBytes(target);
            QVERIFY2(got == a || got == b, qPrintable(QString("round %1: %2 bytes").arg(round).arg(got.size())));
        }
    }
};

QTEST_GUILESS_MAIN(TestHardening)
#include "test_hardening.moc"
