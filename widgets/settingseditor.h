#pragma once
#include <QWidget>

#include <map>

#include "config/inidocument.h"
#include "graph/graph.h"

class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace qs {

class ProjectDocument;

/** The document's quantization settings, generated from the config schema: one row per key of every section, with
 *  its default as placeholder and its help (English or Chinese) as tooltip. Edits go to the document (undoable),
 *  which validates them with convert's rules against the open model; rows with a finding turn red or amber with the
 *  message, the sections the chosen quant_type does not read fold away, and the INI text shown is exactly what the
 *  CLI replays. */
class SettingsEditor : public QWidget {
    Q_OBJECT
public:
    explicit SettingsEditor(ProjectDocument* document, QWidget* parent = nullptr);

    QWidget* editorFor(const std::string& section, const std::string& key) const;
    void reveal(const std::string& section, const std::string& key);  // scrolls the key into view
    // Sets input's calibration folder in calibrate_path (recorded for undo), keeping the other inputs' folders.
    void setCalibrationFolder(const std::string& input, const std::string& dir);

protected:
    void changeEvent(QEvent* event) override;

private:
    void build();
    void refresh();  // the document's config changed: values, findings, preview
    void retranslate();
    void revalidate();
    void foldSections();  // collapses and greys the sections the chosen quant_type does not read
    void showValue(const std::string& section, const std::string& key);
    QWidget* calibrationPicker(QLineEdit* line);
    void updateThumbnail();

    ProjectDocument* m_document;
    bool m_updating = false;
    QTreeWidget* m_tree = nullptr;
    QListWidget* m_problems = nullptr;
    QPlainTextEdit* m_preview = nullptr;
    QLabel* m_previewLabel = nullptr;
    QLabel* m_thumbnail = nullptr;
    std::string m_thumbnailFor;  // the data settings the thumbnail shows
    std::string m_foldedFor = "?";  // the quant_type and bit_num the sections were folded for
    std::map<std::pair<std::string, std::string>, QTreeWidgetItem*> m_items;
};

}  // namespace qs
