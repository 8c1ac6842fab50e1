#pragma once
#include <QFuture>
#include <QString>

#include <memory>

#include "session/session.h"

namespace qs {

/** The outcome of loading a model on a worker thread: a session holding it, or the error message to show. */
struct LoadedModel {
    QString path;
    std::shared_ptr<Session> session;  // null on error
    QString error;
};

// Loads a model off the GUI thread (QtConcurrent); never throws.
QFuture<LoadedModel> loadModelAsync(const QString& path);

}  // namespace qs
