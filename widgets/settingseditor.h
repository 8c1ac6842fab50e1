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
class QUndoStack;

namespace qs {

/** The quantization settings, generated from the config schema: one row per key of every section, with its
 *  default as placeholder and its help (English or Chinese) as tooltip. Every edit is validated at once against
 *  the schema and the open model; invalid rows turn red with the message, and valid() turns false. Edits go
 *  through the undo stack. The INI text it holds is exactly what the CLI replays. */
class SettingsEditor : public QWidget {
    Q_OBJECT
public:
    explicit SettingsEditor(QUndoStack* undo, QWidget* parent = nullptr);

    void setDocument(const IniDocument& doc);
    // Replaces the document as the user would (Open Config), recorded for undo under the name what.
    void replaceDocument(const IniDocument& doc, const QString& what);
    // Sets the whole document without recording, as an edit (undo/redo of replaceDocument apply through this).
    void applyDocument(const IniDocument& doc);
    const IniDocument& document() const { return m_doc; }
    void setModel(const Graph* model);  // checks input and node names against it; null: none
    bool valid() const { return m_errors == 0; }
    // return what calibration depends on as one string (the [data_preprocess_param] entries and
    // cross_layer_equalization): equal strings mean the same statistics
    std::string dataSettings() const;
    int errorCount() const { return m_errors; }

    // Sets a key as the user would (recorded for undo); empty value removes the key.
    void edit(const std::string& section, const std::string& key, const std::string& value);
    // Sets a key without recording (undo/redo apply through this).
    void apply(const std::string& section, const std::string& key, const std::string& value);
    QWidget* editorFor(const std::string& section, const std::string& key) const;
    void reveal(const std::string& section, const std::string& key);  // scrolls the key into view
    // Sets input's calibration folder in calibrate_path (recorded for undo), keeping the other inputs' folders.
    void setCalibrationFolder(const std::string& input, const std::string& dir);

signals:
    void changed();
    void validityChanged(bool valid);

protected:
    void changeEvent(QEvent* event) override;

private:
    void build();
    void retranslate();
    void revalidate();
    void foldSections();  // collapses and greys the sections the chosen quant_type does not read
    void showValue(const std::string& section, const std::string& key);
    QWidget* calibrationPicker(QLineEdit* line);
    void updateThumbnail();

    QUndoStack* m_undo;
    IniDocument m_doc;
    const Graph* m_model = nullptr;
    int m_errors = 0;
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
