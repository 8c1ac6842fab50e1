#pragma once
#include <QPixmap>
#include <QWidget>

class QGraphicsView;

namespace qs {

/** An overview of a large graph in the corner of its view: the whole scene small, with the part the view shows framed.
 *  Clicking or dragging in it moves the view there. The scene is drawn once into a pixmap (again after
 *  invalidate()), so panning costs only the frame. */
class GraphMinimap : public QWidget {
    Q_OBJECT
public:
    explicit GraphMinimap(QGraphicsView* view);
    // the scene's items or colours changed: draw it anew at the next paint
    void invalidate();
    // call when the view scrolled, zoomed or resized: shown in the view's bottom-right corner when the scene does
    // not fit the view, hidden otherwise
    void follow();
    // the view's visible part, in the minimap's coordinates
    QRectF frame() const;
    // the scene point under the minimap's pos
    QPointF toScene(const QPointF& pos) const;

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    QRectF drawnRect() const;  // where the scene is drawn, in the minimap's coordinates
    void retranslate();

    QGraphicsView* m_view;
    QPixmap m_cache;
    bool m_dirty = true;
};

}  // namespace qs
