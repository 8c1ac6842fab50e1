#include "modelloadjob.h"

#include <QtConcurrent/QtConcurrentRun>

namespace qs {

QFuture<LoadedModel> loadModelAsync(const QString& path)
{
    return QtConcurrent::run([path]() {
        LoadedModel m;
        m.path = path;
        try {
            auto session = std::make_shared<Session>();
            session->load(path.toStdString());
            m.session = std::move(session);
        } catch (const std::exception& e) {
            m.error = QString::fromStdString(e.what());
        }
        return m;
    });
}

}  // namespace qs
