#include "quantizejob.h"

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

#include "config/config.h"
#include "graph/error.h"
#include "runtime/interpreter.h"

namespace qs {

QuantizeJob::QuantizeJob(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<qs::RunOutcome>("qs::RunOutcome");
    connect(&m_watcher, &QFutureWatcher<RunOutcome>::finished, this, [this] { emit finished(m_watcher.result()); });
}

QuantizeJob::~QuantizeJob()
{
    cancel();
    m_watcher.waitForFinished();
}

void QuantizeJob::cancel()
{
    if (m_cancel) m_cancel->cancel();
}

ProgressSink QuantizeJob::progressSink()
{
    // Progress reaches the GUI thread through queued signal emission; the worker never touches widgets.
    return [this](size_t done, size_t total, const std::string& stage) {
        QMetaObject::invokeMethod(this, [this, done, total, s = QString::fromStdString(stage)] { emit progress(int(done), int(total), s); },
                                  Qt::QueuedConnection);
    };
}

void QuantizeJob::start(std::shared_ptr<Session> session, const IniDocument& config, bool calibrate)
{
    if (isRunning()) return;
    m_cancel = std::make_shared<CancelToken>();
    auto token = m_cancel;
    ProgressSink sink = progressSink();
    m_watcher.setFuture(QtConcurrent::run([session, config, calibrate, token, sink]() {
        RunOutcome out;
        try {
            const std::string type = configValue(config, "common_quant_param", "quant_type");
            bool needsData = type == "FULL_QUANT" || !configValue(config, "data_preprocess_param", "calibrate_path").empty();
            if (calibrate && needsData) session->calibrate(config, sink, token.get(), 2);
            token->check();
            session->quantize(config, sink, token.get());
            if (session->calibrationSamples() > 0) {
                out.rows = compareTensors(session->graph(), session->quantizedGraph(), session->plan(), session->calibrationSample(0));
                Interpreter f(session->graph()), q(session->quantizedGraph());
                size_t n = std::min<size_t>(4, session->calibrationSamples());
                for (size_t i = 0; i < n; ++i) {
                    token->check();
                    sink(i, n, "compare");
                    auto in = session->calibrationSample(i);
                    out.outputCosine += cosineSimilarity(q.run(in)[0].toFloat(), f.run(in)[0].toFloat());
                }
                out.outputCosine /= double(n);
                out.samples = int(n);
            }
            out.ok = true;
        } catch (const Cancelled&) {
            out.cancelled = true;
        } catch (const std::exception& e) {
            out.error = QString::fromStdString(e.what());
        }
        return out;
    }));
}

void QuantizeJob::suggest(std::shared_ptr<Session> session, const IniDocument& config)
{
    if (isRunning()) return;
    m_cancel = std::make_shared<CancelToken>();
    auto token = m_cancel;
    ProgressSink sink = progressSink();
    m_watcher.setFuture(QtConcurrent::run([session, config, token, sink]() {
        RunOutcome out;
        try {
            const Graph& g = session->graph();
            std::vector<std::string> candidates;
            for (const Node& n : g.nodes)
                if (session->plan().quantizedNodes.count(n.name) && n.inputs.size() > 1 && n.inputs[1] >= 0 && g.values[size_t(n.inputs[1])].constant)
                    candidates.push_back(n.name);
            size_t n = std::min<size_t>(2, session->calibrationSamples());
            if (n == 0) throw InputError("suggesting skips needs calibration data: run first");
            std::vector<std::map<std::string, Tensor>> inputs;
            std::vector<std::vector<float>> reference;
            Interpreter f(g);
            for (size_t i = 0; i < n; ++i) {
                inputs.push_back(session->calibrationSample(i));
                reference.push_back(f.run(inputs.back())[0].toFloat());
            }
            std::string skipped = configValue(config, "common_quant_param", "skip_quant_node");
            for (size_t c = 0; c < candidates.size(); ++c) {
                token->check();
                sink(c, candidates.size(), "suggest");
                IniDocument trial = config;
                trial.set("common_quant_param", "skip_quant_node", skipped.empty() ? candidates[c] : skipped + "," + candidates[c]);
                session->quantize(trial);
                Interpreter q(session->quantizedGraph());
                double cos = 0;
                for (size_t i = 0; i < n; ++i) cos += cosineSimilarity(q.run(inputs[i])[0].toFloat(), reference[i]);
                out.suggestions.emplace_back(candidates[c], cos / double(n));
            }
            std::sort(out.suggestions.begin(), out.suggestions.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
            out.ok = true;
        } catch (const Cancelled&) {
            out.cancelled = true;
        } catch (const std::exception& e) {
            out.error = QString::fromStdString(e.what());
        }
        try {
            session->quantize(config);  // the plan the user has
        } catch (const std::exception&) {
        }
        return out;
    }));
}

}  // namespace qs
