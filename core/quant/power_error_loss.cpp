// SPDX-License-Identifier: MIT
#include "power_error_loss.h"

namespace quantscope::quant {

namespace {

// Summing over channels, then averaging, divides by the number of (sample, position).
double perTerm(const torch::Tensor &d)
{
    return double(d.size(1)) / double(d.numel());
}

class PowerError : public torch::autograd::Function<PowerError>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &d,
                                 double p)
    {
        const auto power = d.abs().pow_(p);
        const double scale = perTerm(d);
        // p·|d|^(p−1)·sign(d); at p = 2 simply 2d, elsewhere p·|d|^p / d, which is 0/0 where
        // d is 0 (the derivative is 0 there for p > 1).
        auto slope = p == 2 ? d.mul(2 * scale) : power.div(d).nan_to_num_(0).mul_(p * scale);
        ctx->save_for_backward({slope});
        return power.sum().mul_(scale);
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        return {ctx->get_saved_variables()[0] * grads[0], torch::Tensor()};
    }
};

} // namespace

torch::Tensor PowerErrorLoss::apply(const torch::Tensor &difference, double p)
{
    // With no gradient to take (outputLoss, the mixed-precision sensitivities) the value alone:
    // the derivative would be made and thrown away.
    if (!torch::GradMode::is_enabled() || !difference.requires_grad())
        return difference.abs().pow_(p).sum().mul_(perTerm(difference));
    return PowerError::apply(difference, p);
}

} // namespace quantscope::quant
