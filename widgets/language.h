#pragma once
#include <QString>
#include <QStringList>

class QTranslator;

namespace qs {

/** The UI languages Quantscope ships, and switching between them at run time. */
class Language {
public:
    static QStringList available();  // "en", "zh_CN"
    // Installs the translator for code ("" = the system locale); return the code in effect.
    static QString apply(const QString& code);
    static QString displayName(const QString& code);
};

}  // namespace qs
