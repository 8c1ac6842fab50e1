#include "quantizejob.h"

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <exception>
#include <memory>

#include "config/config.h"
#include "graph/error.h"
#include "quant/simulate.h"
#include "runtime/interpreter.h"
#include "session/sensitivity.h"
#include "util/memorybudget.h"

namespace qs {

QuantizeJob::QuantizeJob(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<qs::RunOutcome>("qs::RunOutcome");
    qRegisterMetaType<std::shared_ptr<const qs::QuantPlan>>("std::shared_ptr<const qs::QuantPlan>");
    qRegisterMetaType<std::shared_ptr<const std::vector<qs::TensorRow>>>("std::shared_ptr<const std::vector<qs::TensorRow>>");
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

void QuantizeJob::start(std::shared_ptr<Session> session, const IniDocument& config, bool calibrate,
                        std::shared_ptr<const FloatReference> reference)
{
    if (isRunning()) return;
    m_cancel = std::make_shared<CancelToken>();
    auto token = m_cancel;
    ProgressSink sink = progressSink();
    auto planned = [this](std::shared_ptr<const QuantPlan> plan) {
        QMetaObject::invokeMethod(this, [this, plan] { emit this->planned(plan); }, Qt::QueuedConnection);
    };
    auto measured = [this](std::shared_ptr<const std::vector<TensorRow>> rows, bool refined) {
        QMetaObject::invokeMethod(this, [this, rows, refined] { emit this->measured(rows, refined); }, Qt::QueuedConnection);
    };
    m_watcher.setFuture(QtConcurrent::run([session, config, calibrate, token, sink, planned, measured, reference]() {
        RunOutcome out;
        try {
            const std::string type = configValue(config, "common_quant_param", "quant_type");
            bool needsData = type == "FULL_QUANT" || !configValue(config, "data_preprocess_param", "calibrate_path").empty();
            if (calibrate && needsData) {
                session->calibrate(config, sink, token.get(), 2);
                out.calibrated = true;
            }
            token->check();
            // The accuracy target's search first (as convert runs it); the window writes its choice into the document.
            IniDocument effective = config;
            SensitivityOptions o;
            o.threads = 2;
            if (auto search = applyTargetCosine(*session, effective, o, sink, token.get())) {
                out.targetSearched = true;
                out.target = std::move(*search);
            }
            // Analysis and export are separate: when only the export fails, the plan is still measured (simulated in
            // memory, as sensitivity runs it) and shown, with the export's error in its own place.
            // The plan as built goes to the views at once (estimates from the calibration histograms), then it is
            // refined (bias correction), exported and measured.
            sink(0, 1, "quantize");
            QuantPlan built = session->buildPlan(effective, {}, sink, token.get());
            planned(std::make_shared<const QuantPlan>(built));
            // A re-plan keeps the float tensors of the run before: the plan as built (its biases corrected from the
            // calibration means) is measured at once, in memory, before the refinement's passes over the samples.
            if (!calibrate && reference && reference->tensors && session->calibrationSamples() > 0 && session->refines(effective, built)) {
                const Graph provisional = simulationGraph(session->graph(), built);
                measured(std::make_shared<const std::vector<TensorRow>>(compareTensors(session->graph(), *reference->tensors, provisional, built,
                                                                                       session->calibrationSample(0), 2, false)),
                         false);
                token->check();
            }
            std::unique_ptr<Graph> simulated;
            try {
                session->commit(effective, built, sink, token.get());
                sink(1, 1, "quantize");
            } catch (const Cancelled&) {
                throw;
            } catch (const std::exception& e) {
                const std::exception_ptr exportFailure = std::current_exception();
                try {
                    QuantPlan plan = std::move(built);
                    session->refinePlan(effective, plan, sink, token.get());
                    simulated = std::make_unique<Graph>(simulationGraph(session->graph(), plan));
                    out.analysedPlan = std::make_shared<const QuantPlan>(std::move(plan));
                    out.exportError = QString::fromStdString(e.what());
                } catch (const Cancelled&) {
                    throw;
                } catch (const std::exception&) {
                    std::rethrow_exception(exportFailure);  // the plan itself fails: that is the run's error
                }
            }
            const Graph& quantized = simulated ? *simulated : session->quantizedGraph();
            const QuantPlan& plan = out.analysedPlan ? *out.analysedPlan : session->plan();
            if (session->calibrationSamples() > 0) {
                // the float side is the run before's unless this run calibrated: the float graph and samples are the same
                const bool reuse = !out.calibrated && reference;
                auto now = std::make_shared<FloatReference>();
                const auto first = session->calibrationSample(0);
                std::shared_ptr<const TensorValues> tensors = reuse ? reference->tensors : nullptr;
                if (!tensors) {
                    auto computed = std::make_shared<const TensorValues>(runTensors(session->graph(), first, 2));
                    size_t bytes = 0;
                    for (const auto& [name, v] : *computed) bytes += v.size() * sizeof(float);
                    if (bytes <= memoryBudget() / 4) now->tensors = computed;
                    tensors = std::move(computed);
                } else {
                    now->tensors = tensors;
                }
                token->check();
                // the GUI shows each tensor's cosine: the distribution summaries are the debug reports' business
                std::vector<Tensor> firstOutputs;  // (the quantized outputs on the first sample, from the same run)
                out.rows = compareTensors(session->graph(), *tensors, quantized, plan, first, 2, false, &firstOutputs);
                // a run that computed the float tensors has the first sample's float outputs among them
                std::vector<std::vector<float>> firstFloat;
                if (!reuse)
                    for (int o : session->graph().outputs)
                        if (auto it = tensors->find(session->graph().values[size_t(o)].name); it != tensors->end() && !it->second.empty())
                            firstFloat.push_back(it->second);
                if (firstFloat.size() != session->graph().outputs.size()) firstFloat.clear();
                tensors.reset();
                measured(std::make_shared<const std::vector<TensorRow>>(out.rows), true);
                std::unique_ptr<Interpreter> f, q;
                size_t n = std::min<size_t>(4, session->calibrationSamples());
                std::vector<std::vector<std::vector<float>>> quantizedOutputs;
                const auto outputsOf = [](const std::vector<Tensor>& ts) {
                    std::vector<std::vector<float>> v;
                    for (const Tensor& t : ts) v.push_back(t.toFloat());
                    return v;
                };
                for (size_t i = 0; i < n; ++i) {
                    token->check();
                    sink(i, n, "compare");
                    auto in = i == 0 ? first : session->calibrationSample(i);
                    if (reuse && i < reference->outputs.size()) now->outputs.push_back(reference->outputs[i]);
                    else if (i == 0 && !firstFloat.empty()) now->outputs.push_back(std::move(firstFloat));
                    else {
                        if (!f) f = std::make_unique<Interpreter>(session->graph(), InterpreterOptions{2});
                        now->outputs.push_back(outputsOf(f->run(in)));
                    }
                    if (i == 0) {
                        quantizedOutputs.push_back(outputsOf(firstOutputs));
                    } else {
                        if (!q) q = std::make_unique<Interpreter>(quantized, InterpreterOptions{2});
                        quantizedOutputs.push_back(outputsOf(q->run(in)));
                    }
                }
                out.outputCosine = outputCosine(quantizedOutputs, now->outputs);  // every output, as the CLI's sensitivity
                std::vector<Shape> shapes;
                for (const Tensor& t : firstOutputs) shapes.push_back(t.shape());
                out.taskMetrics = taskMetrics(shapes, quantizedOutputs, now->outputs);
                out.floatReference = std::move(now);
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
            // core's ranking: each trial plan simulated in memory; the session's own plan and export stay as they are
            SensitivityOptions o;
            o.threads = 2;
            const SensitivityReport r = rankSensitivity(*session, config, o, sink, token.get());
            out.suggestions = r.nodes;
            out.outputCosine = r.baseline;
            out.taskMetrics = r.baselineMetrics;
            out.samples = int(r.samples);
            out.ok = true;
        } catch (const Cancelled&) {
            out.cancelled = true;
        } catch (const std::exception& e) {
            out.error = QString::fromStdString(e.what());
        }
        return out;
    }));
}

}  // namespace qs
