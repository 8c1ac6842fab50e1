#include "modelloadjob.h"

#include <QtConcurrent/QtConcurrentRun>

namespace qs {

QFuture<LoadedModel> loadModelAsync(const QString& path)
{
    return QtConcurrent::run([path]() {
        LoadedModel m;
        m.path = path;
        try {
            m.result = std::make_shared<LoadResult>(loadModel(path.toStdString()));
        } catch (const std::exception& e) {
            m.error = QString::fromStdString(e.what());
        }
        return m;
    });
}

}  // namespace qs
