#include "projectdocument.h"

#include <QFileInfo>
#include <QTimer>
#include <QUndoStack>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

#include "config/config.h"
#include "config/project.h"
#include "session/sensitivity.h"
#include "util/atomicfile.h"

namespace qs {

namespace {

// A starting config for a model opened without one: full quantization with the data section to fill in.
QString starterConfig(const Graph& g)
{
    QString input = g.inputs.empty() ? QString("input") : QString::fromStdString(g.values[g.inputs[0]].name);
    return QString("[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n\n[data_preprocess_param]\n"
                   "calibrate_path=%1:/path/to/images\ncalibrate_size=100\ninput_type=IMAGE\n\n"
                   "[full_quant_param]\nactivation_quant_method=MAX_MIN\nper_channel=true\nbias_correction=true\n")
        .arg(input);
}

/** One edit of one key: undo restores the value before it (or its absence). */
class SetValueCommand : public QUndoCommand {
public:
    SetValueCommand(ProjectDocument* doc, std::string section, std::string key, std::string before, std::string after)
        : m_doc(doc), m_section(std::move(section)), m_key(std::move(key)), m_before(std::move(before)), m_after(std::move(after))
    {
        setText(QString::fromStdString("[" + m_section + "] " + m_key));
    }
    void undo() override { m_doc->setValue(m_section, m_key, m_before); }
    void redo() override { m_doc->setValue(m_section, m_key, m_after); }

private:
    ProjectDocument* m_doc;
    std::string m_section, m_key, m_before, m_after;
};

/** A whole config replaced (Open Config): undo restores the one before. */
class ReplaceConfigCommand : public QUndoCommand {
public:
    ReplaceConfigCommand(ProjectDocument* doc, IniDocument before, IniDocument after, const QString& text)
        : m_doc(doc), m_before(std::move(before)), m_after(std::move(after))
    {
        setText(text);
    }
    void undo() override { m_doc->setConfig(m_before); }
    void redo() override { m_doc->setConfig(m_after); }

private:
    ProjectDocument* m_doc;
    IniDocument m_before, m_after;
};

}  // namespace

ProjectDocument::ProjectDocument(QObject* parent) : QObject(parent)
{
    m_undo = new QUndoStack(this);
    m_job = new QuantizeJob(this);
    m_replanTimer = new QTimer(this);
    m_replanTimer->setSingleShot(true);
    m_replanTimer->setInterval(250);  // settle a burst of edits before re-planning
    connect(m_replanTimer, &QTimer::timeout, this, &ProjectDocument::replan);
    connect(&m_loader, &QFutureWatcher<LoadedModel>::finished, this, &ProjectDocument::onLoaded);
    connect(m_job, &QuantizeJob::progress, this, &ProjectDocument::progress);
    connect(m_job, &QuantizeJob::finished, this, &ProjectDocument::onJobFinished);
    connect(m_job, &QuantizeJob::planned, this, [this](std::shared_ptr<const QuantPlan> plan) {
        if (m_stats) emit planEstimated(plan);  // a run that calibrates has no copy of its new statistics yet
    });
    connect(m_job, &QuantizeJob::measured, this, [this](std::shared_ptr<const std::vector<TensorRow>> rows, bool refined) {
        if (m_stats) emit rowsMeasured(rows, refined);  // (as planEstimated: the views need the statistics)
    });
    connect(&m_reports, &QFutureWatcher<QString>::finished, this, [this] {
        emit busyChanged(isBusy());
        emit reportsFinished(m_reports.result());
    });
    revalidate();
}

ProjectDocument::~ProjectDocument()
{
    m_job->cancel();
    if (m_reportsCancel) m_reportsCancel->cancel();
    m_job->waitForFinished();
    m_reports.waitForFinished();
    m_loader.waitForFinished();
}

bool ProjectDocument::openModel(const QString& path, const QString& config)
{
    if (isBusy()) return false;
    m_pendingConfig = config;
    m_loadPending = true;
    m_loader.setFuture(loadModelAsync(path));
    emit busyChanged(true);
    return true;
}

QString ProjectDocument::openProject(const QString& path)
{
    if (isBusy()) return tr("Wait for the running job to finish, or cancel it (Esc).");
    try {
        Project p = loadProject(path.toStdString());
        Diagnostics d;  // listed by the validation once the model is open
        const QString config = QString::fromStdString(projectConfig(p, path.toStdString(), d).toString());
        openModel(QString::fromStdString(p.model), config);
        m_pendingProjectPath = QFileInfo(path).absoluteFilePath();
        m_pendingViewState = p.ui;
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

void ProjectDocument::onLoaded()
{
    m_loadPending = false;
    LoadedModel result = m_loader.result();
    const QString projectPath = std::exchange(m_pendingProjectPath, QString());
    auto viewState = std::exchange(m_pendingViewState, {});
    if (!result.session) {
        m_pendingConfig.clear();
        emit busyChanged(false);
        emit loadFailed(result.error);
        return;
    }
    m_session = result.session;
    m_graph = std::shared_ptr<const Graph>(m_session, &m_session->graph());
    m_plan.reset();
    m_last.reset();
    m_previous.reset();
    m_stats.reset();
    m_calibratedGraph.reset();
    m_floatReference.reset();
    m_exportError.clear();
    m_modelPath = result.path;
    m_projectPath = projectPath;
    m_viewState = std::move(viewState);
    m_calibratedWith.clear();
    m_replanQueued = false;  // a re-plan asked for while loading was the previous model's
    m_undo->clear();
    Diagnostics d;  // syntax problems stay in the document as unreadable lines, which validation lists
    setConfig(IniDocument::parse((m_pendingConfig.isEmpty() ? starterConfig(*m_graph) : m_pendingConfig).toStdString(), "settings.ini", d));
    m_pendingConfig.clear();
    emit busyChanged(false);
    emit loaded(m_modelPath);
}

void ProjectDocument::revalidate()
{
    ValidateOptions vo;
    vo.model = m_graph.get();
    vo.forConversion = true;  // what convert checks: Run is refused for what convert would refuse
    m_diagnostics = validateConfig(m_config, vo);
    const int errors = int(std::count_if(m_diagnostics.begin(), m_diagnostics.end(),
                                         [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::Error; }));
    const bool wasValid = m_errors == 0;
    m_errors = errors;
    if (wasValid != (errors == 0)) emit validityChanged(errors == 0);
}

void ProjectDocument::edit(const std::string& section, const std::string& key, const std::string& value)
{
    std::string before = m_config.get(section, key).value_or("");
    if (before == value) return;
    m_undo->push(new SetValueCommand(this, section, key, before, value));  // push runs redo(): setValue()
}

void ProjectDocument::replaceConfig(const IniDocument& doc, const QString& what)
{
    m_undo->push(new ReplaceConfigCommand(this, m_config, doc, what));  // push runs redo(): setConfig()
}

void ProjectDocument::setValue(const std::string& section, const std::string& key, const std::string& value)
{
    if (value.empty()) m_config.remove(section, key);
    else m_config.set(section, key, value);
    configEdited();
}

void ProjectDocument::setConfig(const IniDocument& doc)
{
    m_config = doc;
    configEdited();
}

void ProjectDocument::configEdited()
{
    revalidate();
    emit configChanged();
    // a change that keeps the calibration data re-plans from the statistics already collected
    if (m_session) m_replanTimer->start();
}

QString ProjectDocument::openConfig(const QString& path)
{
    if (!m_session || isBusy()) return tr("Open a model first, and wait for the run to finish.");
    try {
        Diagnostics d;  // syntax problems stay in the document as unreadable lines, which validation lists
        IniDocument doc = loadConfigFile(path.toStdString(), d);
        for (const Diagnostic& x : d)  // about the file itself (missing, binary, too large): nothing to load
            if (x.severity == Diagnostic::Severity::Error && x.line == 0) return QString::fromStdString(x.toString());
        replaceConfig(doc, tr("Open config %1").arg(QFileInfo(path).fileName()));
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

std::string ProjectDocument::dataSettings() const
{
    std::string sig;
    for (const auto& [k, v] : m_config.entries("data_preprocess_param")) sig += k + "=" + v + "\n";
    // the calibrated graph: equalized, smoothed or as loaded (the session's own rule)
    return sig + "graph=" + Session::graphPreparation(m_config) + "\n";
}

bool ProjectDocument::inNameList(const char* section, const char* key, const QString& node) const
{
    const auto names = parseNameList(configValue(m_config, section, key));
    return std::find(names.begin(), names.end(), node.toStdString()) != names.end();
}

void ProjectDocument::setInNameList(const char* section, const char* key, const QString& node, bool on)
{
    if (inNameList(section, key, node) == on) return;
    edit(section, key, nameListWith(configValue(m_config, section, key), node.toStdString(), on));
}

bool ProjectDocument::isSkipped(const QString& node) const { return inNameList("common_quant_param", "skip_quant_node", node); }

void ProjectDocument::setSkip(const QString& node, bool skip) { setInNameList("common_quant_param", "skip_quant_node", node, skip); }

void ProjectDocument::setSkips(const QStringList& nodes)
{
    std::vector<std::string> names;
    for (const QString& n : nodes) names.push_back(n.toStdString());
    edit("common_quant_param", "skip_quant_node", skipListWith(m_config, names));
}

bool ProjectDocument::isInt16(const QString& node) const { return inNameList("quantscope_param", "int16_activation_node", node); }

void ProjectDocument::setInt16(const QString& node, bool on) { setInNameList("quantscope_param", "int16_activation_node", node, on); }

QString ProjectDocument::nodeChoice(const QString& node, const QString& key) const
{
    for (const auto& [name, value] : parseNodeMap(configValue(m_config, "quantscope_param", key.toStdString())).value_or(NodeMap{}))
        if (name == node.toStdString()) return QString::fromStdString(value);
    return {};
}

void ProjectDocument::setNodeChoice(const QString& node, const QString& key, const QString& value)
{
    if (nodeChoice(node, key) == value) return;
    const std::string k = key.toStdString();
    edit("quantscope_param", k, nodeMapWith(configValue(m_config, "quantscope_param", k), node.toStdString(), value.toStdString()));
}

bool ProjectDocument::isRunning() const { return m_job->isRunning() || m_reports.isRunning(); }

void ProjectDocument::run()
{
    if (!m_session || isBusy() || !valid()) return;
    const bool recalibrate = m_session->statistics().empty() || dataSettings() != m_calibratedWith;
    m_replanTimer->stop();  // this run plans the config as it is now: a re-plan queued before it is moot
    m_replanQueued = false;
    if (recalibrate) {
        m_stats.reset();
        m_calibratedGraph.reset();
        m_floatReference.reset();
    }
    m_job->start(m_session, m_config, recalibrate, m_floatReference);
    if (recalibrate) m_calibratedWith = dataSettings();
    emit busyChanged(true);
}

void ProjectDocument::replan()
{
    if (isRunning()) {  // after the job (a load brings its own config, which re-plans when set)
        m_replanQueued = true;
        return;
    }
    if (isLoading()) return;
    if (!m_session || m_session->statistics().empty() || !valid() || dataSettings() != m_calibratedWith) return;
    // target_cosine searches on Run (Ctrl+R) only: re-planning after each edit, an undo of the search's choice
    // included, would search again.
    IniDocument doc = m_config;
    doc.remove("quantscope_param", "target_cosine");
    m_job->start(m_session, doc, false, m_floatReference);
    emit busyChanged(true);
}

void ProjectDocument::suggestSkips()
{
    if (!m_session || isBusy() || !valid()) return;
    m_job->suggest(m_session, m_config);
    emit busyChanged(true);
}

void ProjectDocument::cancel()
{
    m_job->cancel();
    if (m_reportsCancel) m_reportsCancel->cancel();
}

void ProjectDocument::onJobFinished(const RunOutcome& outcome)
{
    if (outcome.cancelled || !outcome.ok) {
        m_calibratedWith.clear();  // the statistics may be partial: calibrate again
        m_stats.reset();
        m_calibratedGraph.reset();
        m_floatReference.reset();
    } else if (outcome.calibrated || !m_stats) {
        // the job is done: the session is this thread's again
        m_stats = std::make_shared<const std::map<std::string, TensorStats>>(m_session->statistics());
        m_calibratedGraph = std::make_shared<const Graph>(m_session->graph());  // (copies share the constants)
    }
    if (outcome.floatReference) m_floatReference = outcome.floatReference;
    if (outcome.ok && outcome.suggestions.empty()) {
        // the job is done: the session is this thread's again (a plan whose export failed comes with the outcome)
        m_plan = outcome.analysedPlan ? outcome.analysedPlan : std::make_shared<const QuantPlan>(m_session->plan());
        m_exportError = outcome.exportError;
        auto kept = std::make_shared<RunOutcome>(outcome);
        kept->floatReference.reset();  // (the document keeps the newest one: a recalibrated run's would double it)
        m_previous = std::exchange(m_last, std::move(kept));
        if (outcome.targetSearched) applyTargetChoice(outcome.target);
    }
    emit busyChanged(isBusy());
    emit runFinished(outcome);
    if (std::exchange(m_replanQueued, false)) m_replanTimer->start();
}

void ProjectDocument::applyTargetChoice(const TargetSearch& t)
{
    // The choice goes into the config (int16_activation_node or skip_quant_node), and the target out of it, in one
    // undo step: the config then replays without searching (as convert's O.ini), and a toggle re-plans at once.
    const IniDocument chosen = withTargetChoice(m_config, t);
    m_undo->beginMacro(t.int16 ? tr("Give %n node(s) int16 activations for target_cosine", "", int(t.chosen))
                               : tr("Keep %n node(s) float for target_cosine", "", int(t.chosen)));
    if (t.int16) edit("quantscope_param", "int16_activation_node", configValue(chosen, "quantscope_param", "int16_activation_node"));
    else edit("common_quant_param", "skip_quant_node", configValue(chosen, "common_quant_param", "skip_quant_node"));
    edit("quantscope_param", "target_cosine", "");
    m_undo->endMacro();
}

bool ProjectDocument::canExportModel() const
{
    return m_session && !isBusy() && m_exportError.isEmpty() && !m_session->exportedBytes().empty();
}

bool ProjectDocument::exportReports(const QString& dir)
{
    if (!canExportModel()) return false;
    auto session = m_session;
    m_reportsCancel = std::make_shared<CancelToken>();
    m_reports.setFuture(QtConcurrent::run([session, dir, token = m_reportsCancel]() -> QString {
        try {
            session->writeReports(dir.toStdString(), 10, {}, token.get());
            return ProjectDocument::tr("Wrote output_summary.csv, round_*.csv and quant_param.csv to %1").arg(dir);
        } catch (const Cancelled&) {
            return ProjectDocument::tr("Debug report export cancelled.");
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }));
    emit busyChanged(true);
    return true;
}

QString ProjectDocument::exportModel(const QString& path)
{
    if (isBusy()) return tr("A run is in progress: export when it has finished.");
    if (!m_exportError.isEmpty()) return tr("The last run's plan could not be exported: %1").arg(m_exportError);
    if (!m_session || m_session->exportedBytes().empty()) return tr("Nothing to export yet: run the quantization first (Ctrl+R).");
    try {
        m_session->save(path.toStdString());
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

QString ProjectDocument::exportConfig(const QString& path)
{
    try {
        if (QFileInfo(path).absoluteFilePath() == QFileInfo(m_modelPath).absoluteFilePath()) return tr("Refusing to overwrite the model.");
        writeFileAtomic(path.toStdString(), m_config.toString());
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

QString ProjectDocument::saveProject(const QString& path)
{
    if (!m_session) return tr("Open a model first.");
    if (QFileInfo(path).absoluteFilePath() == QFileInfo(m_modelPath).absoluteFilePath()) return tr("Refusing to overwrite the model.");
    // The config holds the skips, per-node choices and calibration folders: the INI inline is the whole setting.
    Project p;
    p.model = m_modelPath.toStdString();
    p.configText = m_config.toString();
    p.ui = m_viewState;
    try {
        qs::saveProject(p, path.toStdString());
        m_projectPath = QFileInfo(path).absoluteFilePath();
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

}  // namespace qs
