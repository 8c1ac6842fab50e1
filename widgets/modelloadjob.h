#pragma once
#include <QFuture>
#include <QString>

#include <memory>

#include "formats/modelloader.h"

namespace qs {

/** The outcome of loading a model on a worker thread: the graph, or the error message to show. */
struct LoadedModel {
    QString path;
    std::shared_ptr<LoadResult> result;  // null on error
    QString error;
};

// Loads a model off the GUI thread (QtConcurrent); never throws.
QFuture<LoadedModel> loadModelAsync(const QString& path);

}  // namespace qs
