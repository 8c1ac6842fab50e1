#include "settingseditor.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QImage>
#include <QMenu>
#include <QPixmap>
#include <QToolButton>
#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "calibration/datasource.h"
#include "calibration/imagepreprocess.h"
#include "config/config.h"
#include "config/schema.h"
#include "projectdocument.h"

namespace qs {

namespace {
bool chinese() { return QLocale().language() == QLocale::Chinese; }

QString help(const std::string& en, const std::string& zh) { return QString::fromStdString(chinese() && !zh.empty() ? zh : en); }

}  // namespace

SettingsEditor::SettingsEditor(ProjectDocument* document, QWidget* parent) : QWidget(parent), m_document(document)
{
    m_tree = new QTreeWidget;
    m_tree->setColumnCount(2);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setObjectName("settingsTree");
    m_problems = new QListWidget;
    m_problems->setObjectName("settingsProblems");
    m_problems->setMaximumHeight(110);
    m_problems->setWordWrap(true);
    connect(m_problems, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {  // jump to the key
        reveal(item->data(Qt::UserRole).toString().toStdString(), item->data(Qt::UserRole + 1).toString().toStdString());
    });
    m_preview = new QPlainTextEdit;
    m_preview->setReadOnly(true);
    m_preview->setObjectName("iniPreview");
    m_preview->setFont(QFont("monospace"));
    m_previewLabel = new QLabel;
    m_thumbnail = new QLabel;
    m_thumbnail->setObjectName("calibrationThumbnail");
    m_thumbnail->setWordWrap(true);

    auto* bottom = new QWidget;
    auto* bl = new QVBoxLayout(bottom);
    bl->setContentsMargins(0, 0, 0, 0);
    bl->addWidget(m_problems);
    bl->addWidget(m_thumbnail);
    bl->addWidget(m_previewLabel);
    bl->addWidget(m_preview);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(m_tree);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
    build();
    retranslate();
    connect(m_document, &ProjectDocument::configChanged, this, &SettingsEditor::refresh);
}

void SettingsEditor::build()
{
    for (const SectionSchema& sec : configSections()) {
        if (sec.passThrough) continue;
        auto* top = new QTreeWidgetItem(m_tree, {QString::fromStdString("[" + sec.name + "]")});
        top->setFirstColumnSpanned(false);
        QFont bold = top->font(0);
        bold.setBold(true);
        top->setFont(0, bold);
        top->setData(0, Qt::UserRole, QString::fromStdString(sec.name));
        for (const KeySchema& k : configKeys()) {
            if (k.section != sec.name) continue;
            auto* item = new QTreeWidgetItem(top, {QString::fromStdString(k.name)});
            m_items[{k.section, k.name}] = item;
            std::string section = k.section, key = k.name;
            QWidget* editor = nullptr;
            if (k.type == KeyType::Enum || k.type == KeyType::Bool) {
                auto* box = new QComboBox;
                box->addItem(QString());  // not set: the default applies
                for (const std::string& v : k.type == KeyType::Bool ? std::vector<std::string>{"true", "false"} : k.values)
                    box->addItem(QString::fromStdString(v));
                connect(box, &QComboBox::currentTextChanged, this, [this, section, key](const QString& v) {
                    if (!m_updating) m_document->edit(section, key, v.toStdString());
                });
                editor = box;
            } else {
                auto* line = new QLineEdit;
                line->setPlaceholderText(QString::fromStdString(k.defaultValue));
                connect(line, &QLineEdit::editingFinished, this, [this, section, key, line] {
                    if (!m_updating) m_document->edit(section, key, line->text().trimmed().toStdString());
                });
                editor = line;
                if (k.type == KeyType::CalibratePath) editor = calibrationPicker(line);
            }
            QWidget* named = editor->findChild<QLineEdit*>() ? editor->findChild<QLineEdit*>() : editor;  // a picker's line edit
            named->setObjectName(QString::fromStdString(section + "/" + key));
            m_tree->setItemWidget(item, 1, editor);
        }
    }
    m_tree->expandAll();
}

void SettingsEditor::retranslate()
{
    m_tree->setHeaderLabels({tr("Key"), tr("Value")});
    m_previewLabel->setText(tr("INI file (what the CLI replays):"));
    for (const SectionSchema& sec : configSections())
        for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
            if (m_tree->topLevelItem(i)->data(0, Qt::UserRole).toString().toStdString() == sec.name)
                m_tree->topLevelItem(i)->setToolTip(0, help(sec.docEn, sec.docZh));
    for (auto& [id, item] : m_items)
        if (const KeySchema* k = findKey(id.first, id.second)) {
            QString tip = help(k->docEn, k->docZh);
            if (!k->defaultValue.empty()) tip += "\n" + tr("Default: %1").arg(QString::fromStdString(k->defaultValue));
            if (k->min || k->max)
                tip += "\n" + tr("Range: %1 to %2").arg(k->min ? QString::number(*k->min) : "-").arg(k->max ? QString::number(*k->max) : "-");
            item->setData(0, Qt::UserRole + 1, tip);
            item->setToolTip(0, tip);
            if (QWidget* e = m_tree->itemWidget(item, 1)) e->setToolTip(tip);
        }
    m_foldedFor = "?";  // the sections' notes in the new language
    revalidate();
}

void SettingsEditor::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(event);
}

void SettingsEditor::refresh()
{
    for (const auto& [id, item] : m_items) showValue(id.first, id.second);
    revalidate();
}

QWidget* SettingsEditor::editorFor(const std::string& section, const std::string& key) const
{
    auto it = m_items.find({section, key});
    if (it == m_items.end()) return nullptr;
    QWidget* w = m_tree->itemWidget(it->second, 1);
    auto* line = w ? w->findChild<QLineEdit*>() : nullptr;  // a picker wraps its line edit
    return line ? line : w;
}

QWidget* SettingsEditor::calibrationPicker(QLineEdit* line)
{
    // The calibration folders, one per model input: the button offers each input and asks for its folder.
    auto* box = new QWidget;
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(2);
    auto* pick = new QToolButton;
    pick->setText("...");
    pick->setObjectName("calibrationPicker");
    pick->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(pick);
    pick->setMenu(menu);
    connect(menu, &QMenu::aboutToShow, this, [this, menu] {
        menu->clear();
        std::vector<std::string> inputs;
        if (const Graph* model = m_document->graph())
            for (int id : model->inputs) inputs.push_back(model->values[size_t(id)].name);
        if (inputs.empty()) inputs.push_back("input");
        for (const std::string& in : inputs)
            menu->addAction(tr("Folder for input '%1'...").arg(QString::fromStdString(in)), this, [this, in] {
                QString dir = QFileDialog::getExistingDirectory(this, tr("Calibration data for input '%1'").arg(QString::fromStdString(in)));
                if (!dir.isEmpty()) setCalibrationFolder(in, dir.toStdString());
            });
    });
    row->addWidget(line, 1);
    row->addWidget(pick);
    return box;
}

void SettingsEditor::setCalibrationFolder(const std::string& input, const std::string& dir)
{
    m_document->edit("data_preprocess_param", "calibrate_path",
                     calibratePathWith(m_document->config().get("data_preprocess_param", "calibrate_path").value_or(""), input, dir));
}

void SettingsEditor::updateThumbnail()
{
    // The first calibration image of the first input, preprocessed exactly as calibration will see it.
    const IniDocument& doc = m_document->config();
    const Graph* model = m_document->graph();
    std::string sig = m_document->dataSettings();
    if (sig == m_thumbnailFor) return;
    m_thumbnailFor = sig;
    m_thumbnail->clear();
    m_thumbnail->setText(tr("No calibration image to preview."));
    if (!model || model->inputs.empty() || configValue(doc, "data_preprocess_param", "input_type") != "IMAGE") return;
    std::string paths = configValue(doc, "data_preprocess_param", "calibrate_path");
    std::string first = paths.substr(0, paths.find(','));
    std::string dir = first.substr(first.find(':') == std::string::npos ? 0 : first.find(':') + 1);
    QStringList images = QDir(QString::fromStdString(dir)).entryList({"*.jpg", "*.jpeg", "*.png", "*.bmp"}, QDir::Files, QDir::Name);
    if (images.isEmpty()) return;
    try {
        const Value& in = model->values[size_t(model->inputs[0])];
        bool nchw = model->info.format == "onnx";
        Shape shape = in.shape;
        if (!shape.empty()) shape[0] = 1;
        Tensor t = loadImageTensor((QString::fromStdString(dir) + "/" + images.first()).toStdString(), imagePreprocessFromConfig(doc), shape, nchw);
        const Shape& s = t.shape();
        int64_t c = nchw ? s[1] : s[3], h = nchw ? s[2] : s[1], w = nchw ? s[3] : s[2];
        auto v = t.toFloat();
        auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        float span = *hi > *lo ? *hi - *lo : 1.f;
        QImage img(int(w), int(h), QImage::Format_RGB888);
        for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x) {
                int rgb[3];
                for (int64_t k = 0; k < 3; ++k) {
                    int64_t ch = std::min(k, c - 1);
                    float f = nchw ? v[size_t((ch * h + y) * w + x)] : v[size_t((y * w + x) * c + ch)];
                    rgb[k] = int(255.f * (f - *lo) / span);
                }
                img.setPixel(int(x), int(y), qRgb(rgb[0], rgb[1], rgb[2]));
            }
        m_thumbnail->setPixmap(QPixmap::fromImage(img.scaled(112, 112, Qt::KeepAspectRatio)));
        m_thumbnail->setToolTip(tr("%1 as calibration sees it (%2x%3, shown stretched to its value range)")
                                    .arg(images.first()).arg(w).arg(h));
    } catch (const std::exception& e) {
        m_thumbnail->setText(QString::fromStdString(e.what()));
    }
}

void SettingsEditor::reveal(const std::string& section, const std::string& key)
{
    auto it = m_items.find({section, key});
    if (it != m_items.end()) m_tree->scrollToItem(it->second, QAbstractItemView::PositionAtCenter);
}

void SettingsEditor::showValue(const std::string& section, const std::string& key)
{
    QWidget* e = editorFor(section, key);
    if (!e) return;
    m_updating = true;
    QString v = QString::fromStdString(m_document->config().get(section, key).value_or(""));
    if (auto* box = qobject_cast<QComboBox*>(e)) {
        int i = box->findText(v);
        if (i < 0) {  // a value the schema does not list: show it, validation explains
            box->addItem(v);
            i = box->count() - 1;
        }
        box->setCurrentIndex(i);
    } else if (auto* line = qobject_cast<QLineEdit*>(e)) {
        line->setText(v);
    }
    m_updating = false;
}

void SettingsEditor::foldSections()
{
    const std::string type = configValue(m_document->config(), "common_quant_param", "quant_type");
    const bool mixed = configValue(m_document->config(), "common_quant_param", "bit_num") == "0";
    if (m_foldedFor == type + (mixed ? "/0" : "")) return;  // (a section the user opened stays open until the type changes)
    m_foldedFor = type + (mixed ? "/0" : "");
    auto applies = [&](const std::string& section) {
        if (section == "full_quant_param") return type == "FULL_QUANT";
        if (section == "weight_quant_param") return type == "WEIGHT_QUANT";
        if (section == "mixed_bit_weight_quant_param") return type == "WEIGHT_QUANT" && mixed;
        if (section == "dynamic_quant_param") return type == "DYNAMIC_QUANT";
        return true;  // common, data preprocessing, Quantscope's own
    };
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem* top = m_tree->topLevelItem(i);
        const bool on = type.empty() || applies(top->data(0, Qt::UserRole).toString().toStdString());
        top->setExpanded(on);
        top->setForeground(0, on ? QBrush() : QBrush(QColor(140, 140, 140)));
        top->setText(1, on ? QString() : tr("not read with quant_type=%1").arg(QString::fromStdString(type)));
        top->setForeground(1, QBrush(QColor(140, 140, 140)));
    }
}

void SettingsEditor::revalidate()
{
    // the document validates (with convert's rules); this shows its findings
    foldSections();
    const Diagnostics& diags = m_document->diagnostics();
    for (auto& [id, item] : m_items) {
        item->setBackground(0, QBrush());
        item->setToolTip(0, item->data(0, Qt::UserRole + 1).toString());
    }
    m_problems->clear();
    for (const Diagnostic& d : diags) {
        if (d.severity == Diagnostic::Severity::Note) continue;
        bool error = d.severity == Diagnostic::Severity::Error;
        QString text = (error ? tr("Error: ") : tr("Warning: ")) + QString::fromStdString(
            (d.section.empty() ? "" : "[" + d.section + "] ") + (d.key.empty() ? "" : d.key + ": ") + d.message + (d.fix.empty() ? "" : "; " + d.fix));
        auto* row = new QListWidgetItem(text, m_problems);
        row->setData(Qt::UserRole, QString::fromStdString(d.section));
        row->setData(Qt::UserRole + 1, QString::fromStdString(d.key));
        row->setForeground(error ? QColor(190, 20, 20) : QColor(150, 100, 0));
        auto it = m_items.find({d.section, d.key});
        if (it != m_items.end()) {
            it->second->setBackground(0, error ? QColor(255, 205, 205) : QColor(255, 240, 200));
            it->second->setToolTip(0, text);
        }
    }
    if (diags.empty() || m_problems->count() == 0) new QListWidgetItem(tr("No problems."), m_problems);
    m_preview->setPlainText(QString::fromStdString(m_document->config().toString()));
    updateThumbnail();
}

}  // namespace qs
