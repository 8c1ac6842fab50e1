#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

#include "language.h"
#include "mainwindow.h"

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Quantscope");
    QApplication::setApplicationName("Quantscope");
    QApplication::setApplicationVersion(QUANTSCOPE_VERSION);
    qs::Language::apply(QSettings().value("language").toString());

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Interactive post-training quantization of neural networks"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("model", QApplication::translate("main", "An ONNX or TFLite model to open."));
    parser.process(app);

    qs::MainWindow window;
    window.show();
    if (!parser.positionalArguments().isEmpty()) window.openModel(parser.positionalArguments().first());
    return app.exec();
}
