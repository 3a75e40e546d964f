// SPDX-License-Identifier: MIT
#include "quant_session.h"

#include "error.h"

#include <torch/library.h>

namespace quantscope::model {

namespace {

thread_local QuantSession *tCurrentSession = nullptr;

torch::Tensor weightOp(int64_t id)
{
    return QuantSession::current().weight(static_cast<int>(id));
}

torch::Tensor activationOp(const torch::Tensor &x, int64_t id)
{
    return QuantSession::current().activation(static_cast<int>(id), x);
}

} // namespace

// CONSERVATIVE alias analysis marks the ops as having side effects, so the JIT never folds
// weight(id) into a constant or merges two calls: what they return changes between runs.
TORCH_LIBRARY(quantscope, m)
{
    m.def(torch::schema("quantscope::weight(int id) -> Tensor",
                        c10::AliasAnalysisKind::CONSERVATIVE),
          &weightOp);
    m.def(torch::schema("quantscope::act(Tensor x, int id) -> Tensor",
                        c10::AliasAnalysisKind::CONSERVATIVE),
          &activationOp);
}

QuantSession::QuantSession(std::vector<torch::Tensor> weights)
    : m_weights(std::move(weights)), m_activations(m_weights.size())
{
}

const torch::Tensor &QuantSession::weight(int layer) const
{
    return m_weights.at(static_cast<size_t>(layer));
}

void QuantSession::setWeight(int layer, torch::Tensor weight)
{
    auto &slot = m_weights.at(static_cast<size_t>(layer));
    TORCH_CHECK(slot.sizes() == weight.sizes(), "weight shape of layer ", layer, " changed");
    slot = std::move(weight);
}

void QuantSession::setActivationQuantizer(int layer, ActivationFn quantizer)
{
    m_activations.at(static_cast<size_t>(layer)) = std::move(quantizer);
}

void QuantSession::clearActivationQuantizers()
{
    for (auto &fn : m_activations)
        fn = nullptr;
}

torch::Tensor QuantSession::activation(int layer, const torch::Tensor &x) const
{
    if (m_observer)
        m_observer(layer, x);
    const auto &fn = m_activations.at(static_cast<size_t>(layer));
    return fn ? fn(x) : x;
}

QuantSession &QuantSession::current()
{
    if (!tCurrentSession)
        throw Error("internal: an instrumented model ran without a QuantSession on this thread");
    return *tCurrentSession;
}

QuantSession::Scope::Scope(QuantSession &session) : m_previous(tCurrentSession)
{
    tCurrentSession = &session;
}

QuantSession::Scope::~Scope()
{
    tCurrentSession = m_previous;
}

} // namespace quantscope::model
