// SPDX-License-Identifier: MIT
// QuantSession: the tensors an instrumented graph asks for while it runs — the weight each layer
// uses and the activation quantizer in front of it. One session per running model, never global.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace quantscope::model {

// The instrumented graph calls the custom ops quantscope::weight(id) and quantscope::act(x, id);
// they look up the session made current on the calling thread by a QuantSession::Scope. So a GUI
// thread can evaluate one model while a job thread trains another.
//
// A weight set here may carry an autograd history (e.g. an STE-quantized latent weight): the
// graph's output then back-propagates to that latent tensor.
class QuantSession
{
public:
    using ActivationFn = std::function<torch::Tensor(const torch::Tensor &)>;
    using ObserverFn = std::function<void(int layer, const torch::Tensor &input)>;

    explicit QuantSession(std::vector<torch::Tensor> weights);

    int layerCount() const { return static_cast<int>(m_weights.size()); }

    const torch::Tensor &weight(int layer) const;
    void setWeight(int layer, torch::Tensor weight);

    // An empty function means the activation passes unchanged.
    void setActivationQuantizer(int layer, ActivationFn quantizer);
    void clearActivationQuantizers();
    torch::Tensor activation(int layer, const torch::Tensor &x) const;

    // Sees every layer's input (before its activation quantizer): calibration and shape probes.
    void setObserver(ObserverFn observer) { m_observer = std::move(observer); }

    static QuantSession &current();

    // Makes a session current on this thread for the lifetime of the scope; scopes nest.
    class Scope
    {
    public:
        explicit Scope(QuantSession &session);
        ~Scope();
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

    private:
        QuantSession *m_previous;
    };

private:
    std::vector<torch::Tensor> m_weights;
    std::vector<ActivationFn> m_activations;
    ObserverFn m_observer;
};

} // namespace quantscope::model
