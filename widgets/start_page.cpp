// SPDX-License-Identifier: MIT
#include "start_page.h"

#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace quantscope::widgets {

StartPage::StartPage(QWidget *parent)
    : QWidget(parent),
      m_demo(new QPushButton(tr("Open the demo: ResNet-8 trained on Fashion-MNIST"), this)),
      m_recent(new QListWidget(this))
{
    auto *title = new QLabel(tr("<h2>QuantScope</h2><p>Quantize a trained CNN to 1–8 bits, watch "
                                "its weights gather around the grid, and compare the runs.</p>"),
                             this);
    title->setWordWrap(true);
    m_demo->setMinimumHeight(40);
    auto *openModel = new QPushButton(tr("Open a TorchScript model (.pt)…"), this);
    auto *openData = new QPushButton(tr("Open a dataset folder (IDX, CIFAR, ImageFolder)…"), this);
    auto *openWorkspace = new QPushButton(tr("Open a workspace…"), this);
    connect(m_demo, &QPushButton::clicked, this, &StartPage::demoRequested);
    connect(openModel, &QPushButton::clicked, this, &StartPage::openModelRequested);
    connect(openData, &QPushButton::clicked, this, &StartPage::openDatasetRequested);
    connect(openWorkspace, &QPushButton::clicked, this, &StartPage::openWorkspaceRequested);
    connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        Q_EMIT recentModelActivated(item->data(Qt::UserRole).toString());
    });

    auto *column = new QVBoxLayout;
    column->addWidget(title);
    column->addWidget(m_demo);
    column->addWidget(openModel);
    column->addWidget(openData);
    column->addWidget(openWorkspace);
    column->addSpacing(16);
    column->addWidget(new QLabel(tr("Recent models (double-click to open; you can also drop a "
                                    ".pt file on the window):"),
                                 this));
    column->addWidget(m_recent, 1);

    auto *outer = new QHBoxLayout(this);
    outer->addStretch(1);
    outer->addLayout(column, 3);
    outer->addStretch(1);
}

void StartPage::setDemoAvailable(bool available, const QString &why)
{
    m_demo->setEnabled(available);
    m_demo->setToolTip(why);
}

void StartPage::setRecentModels(const QStringList &paths)
{
    m_recent->clear();
    for (const auto &path : paths) {
        auto *item = new QListWidgetItem(path, m_recent);
        item->setData(Qt::UserRole, path);
    }
}

} // namespace quantscope::widgets
