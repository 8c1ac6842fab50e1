#include "graphminimap.h"

#include <QEvent>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>

#include <algorithm>

namespace qs {

namespace {
constexpr int kMaxWidth = 160;   // px
constexpr int kMinWidth = 48;    // px: a very tall graph keeps at least this width
constexpr double kMaxHeight = 0.45;  // of the view's height
constexpr int kMargin = 4;       // px around the drawn scene
}  // namespace

GraphMinimap::GraphMinimap(QGraphicsView* view) : QWidget(view), m_view(view)
{
    setObjectName("graphMinimap");
    setAttribute(Qt::WA_OpaquePaintEvent);
    setCursor(Qt::PointingHandCursor);
    auto follow = [this] { this->follow(); };
    connect(view->horizontalScrollBar(), &QScrollBar::valueChanged, this, follow);
    connect(view->verticalScrollBar(), &QScrollBar::valueChanged, this, follow);
    connect(view->horizontalScrollBar(), &QScrollBar::rangeChanged, this, follow);
    connect(view->verticalScrollBar(), &QScrollBar::rangeChanged, this, follow);
    retranslate();
    hide();
}

void GraphMinimap::invalidate()
{
    m_dirty = true;
    update();
}

void GraphMinimap::follow()
{
    const QGraphicsScene* scene = m_view->scene();
    const QRectF sceneRect = scene ? scene->sceneRect() : QRectF();
    const QRectF shown = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    if (sceneRect.isEmpty() || scene->items().isEmpty() || shown.contains(sceneRect)) {
        hide();
        return;
    }
    const QRect port = m_view->viewport()->geometry();
    const double aspect = sceneRect.height() / sceneRect.width();
    int w = kMaxWidth;
    int h = int(w * aspect) + 2 * kMargin;
    const int maxH = std::max(60, int(port.height() * kMaxHeight));
    if (h > maxH) {
        h = maxH;
        w = std::max(kMinWidth, int((h - 2 * kMargin) / aspect) + 2 * kMargin);
    }
    if (size() != QSize(w, h)) {
        resize(w, h);
        m_dirty = true;
    }
    move(port.right() - w - 8, port.bottom() - h - 8);
    show();
    raise();
    update();
}

QRectF GraphMinimap::drawnRect() const
{
    const QRectF sceneRect = m_view->scene()->sceneRect();
    const QRectF area = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
    const double scale = std::min(area.width() / sceneRect.width(), area.height() / sceneRect.height());
    const QSizeF size = sceneRect.size() * scale;
    return QRectF(area.center() - QPointF(size.width() / 2, size.height() / 2), size);
}

QRectF GraphMinimap::frame() const
{
    const QRectF sceneRect = m_view->scene()->sceneRect();
    const QRectF drawn = drawnRect();
    const double scale = drawn.width() / sceneRect.width();
    const QRectF shown = m_view->mapToScene(m_view->viewport()->rect()).boundingRect().intersected(sceneRect);
    return QRectF(drawn.topLeft() + (shown.topLeft() - sceneRect.topLeft()) * scale, shown.size() * scale);
}

QPointF GraphMinimap::toScene(const QPointF& pos) const
{
    const QRectF sceneRect = m_view->scene()->sceneRect();
    const QRectF drawn = drawnRect();
    return sceneRect.topLeft() + (pos - drawn.topLeft()) * (sceneRect.width() / drawn.width());
}

void GraphMinimap::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    if (m_dirty || m_cache.size() != size() * devicePixelRatioF()) {
        m_cache = QPixmap(size() * devicePixelRatioF());
        m_cache.setDevicePixelRatio(devicePixelRatioF());
        m_cache.fill(m_view->backgroundBrush().color());
        QPainter cache(&m_cache);
        cache.setRenderHint(QPainter::Antialiasing);
        m_view->scene()->render(&cache, drawnRect(), m_view->scene()->sceneRect());
        m_dirty = false;
    }
    p.drawPixmap(0, 0, m_cache);
    p.setPen(QPen(QColor(120, 120, 120), 1));
    p.drawRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5));
    p.setPen(QPen(QColor(255, 170, 0), 2));
    p.setBrush(QColor(255, 200, 0, 50));
    p.drawRect(frame());
}

void GraphMinimap::mousePressEvent(QMouseEvent* event)
{
    m_view->centerOn(toScene(event->position()));
}

void GraphMinimap::mouseMoveEvent(QMouseEvent* event)
{
    if (event->buttons() & Qt::LeftButton) m_view->centerOn(toScene(event->position()));
}

void GraphMinimap::retranslate() { setToolTip(tr("Overview of the whole graph: click or drag to move the view there")); }

void GraphMinimap::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(event);
}

}  // namespace qs
