#pragma once
#include <QFontMetrics>
#include <QHeaderView>
#include <QTableWidget>

namespace qs {

// The read-only, row-selecting, sortable tables of the window (results, sensitivity ranking): one row selected at a
// time, no row numbers, long names elided in the middle (the start says which block, the end which layer).
inline QTableWidget* newRowTable(int columns, const QString& objectName)
{
    auto* table = new QTableWidget(0, columns);
    table->setObjectName(objectName);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->verticalHeader()->setVisible(false);
    table->verticalHeader()->setDefaultSectionSize(QFontMetrics(table->font()).height() + 6);
    table->setSortingEnabled(true);
    table->setWordWrap(false);  // else Qt elides wrapped text at the end whatever the mode
    table->setTextElideMode(Qt::ElideMiddle);
    return table;
}

}  // namespace qs
