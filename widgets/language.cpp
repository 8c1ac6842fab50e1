#include "language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace qs {

QStringList Language::available() { return {"en", "zh_CN"}; }

QString Language::displayName(const QString& code) { return code == "zh_CN" ? QStringLiteral("中文") : QStringLiteral("English"); }

QString Language::apply(const QString& requested)
{
    static QTranslator* ours = nullptr;
    static QTranslator* qt = nullptr;
    QString code = requested;
    if (code.isEmpty()) code = QLocale::system().name().startsWith("zh") ? "zh_CN" : "en";
    if (!available().contains(code)) code = "en";
    for (QTranslator** t : {&ours, &qt}) {
        if (*t) {
            QCoreApplication::removeTranslator(*t);
            delete *t;
            *t = nullptr;
        }
    }
    ours = new QTranslator;
    if (ours->load(":/i18n/quantscope_" + code + ".qm")) QCoreApplication::installTranslator(ours);
    qt = new QTranslator;
    if (qt->load("qtbase_" + code, QLibraryInfo::path(QLibraryInfo::TranslationsPath))) QCoreApplication::installTranslator(qt);
    return code;
}

}  // namespace qs
