// SPDX-License-Identifier: MIT
#include "brecq_bit_allocation.h"

#include "activation_cache.h"
#include "bit_allocation_search.h"
#include "brecq_method.h"
#include "fisher_weights.h"
#include "power_error_loss.h"
#include "unit_reconstructor.h"

#include <algorithm>

namespace quantscope::quant {

namespace {

constexpr int64_t kSensitivityImages = 256;
// Blocks whose layers have at most this many joint assignments (7^3 for 2…8 bits) are measured
// jointly; larger ones layer by layer.
constexpr size_t kJointAssignments = 343;

// The size of a joint table, k^n; the product stops growing once past kJointAssignments.
size_t jointAssignments(size_t candidates, size_t layers)
{
    size_t combos = 1;
    for (size_t i = 0; i < layers && combos <= kJointAssignments; ++i)
        combos *= candidates;
    return combos;
}

// The outputs' squared error against zero, normalised as outputLoss normalises the error
// (PowerErrorLoss: summed over channels, averaged over images and positions). In chunks, so a
// half-precision cache is never converted whole.
double outputEnergy(const torch::Tensor &outputs)
{
    torch::NoGradGuard noGrad;
    double sum = 0;
    for (const auto &chunk : outputs.split(64))
        sum += PowerErrorLoss::apply(ActivationCache::load(chunk), 2.0).item<double>() *
               double(chunk.size(0));
    return std::max(sum / double(outputs.size(0)), 1e-30);
}

} // namespace

std::vector<int> BrecqBitAllocation::allocate(const MethodInput &input,
                                              const std::vector<int> &planned,
                                              const std::set<int> &fixed,
                                              const torch::Tensor &images, bool fisher,
                                              const jobs::JobContext &context)
{
    const auto &graph = input.graph;
    const auto &layers = graph.layers();
    AllocationProblem problem;
    std::vector<int> geneOf(layers.size(), -1), layerOf;
    double searchableParams = 0;
    for (const auto &l : layers) {
        if (fixed.count(l.id))
            continue;
        geneOf[size_t(l.id)] = static_cast<int>(layerOf.size());
        layerOf.push_back(l.id);
        problem.params.push_back(l.params);
        searchableParams += double(l.params);
    }
    // The target counts the layers the search allocates, as --wbits does: the first and last
    // keep first_last_bits either way, so target_bits=3 is exactly the size of --wbits 3. Over
    // all layers, a whole-number target left the search below the uniform run it is compared
    // with (the held-out model: 90.52 % at 2.99 bits against 91.17 at 3.05).
    problem.budgetBits = input.settings.real("target_bits") * searchableParams;
    if (layerOf.empty())
        return planned;

    // RTN weights of every layer at every candidate (fixed layers at their planned bits).
    const size_t k = problem.candidates.size();
    std::vector<std::vector<torch::Tensor>> rtn(layers.size());
    for (const auto &l : layers) {
        torch::NoGradGuard noGrad;
        const auto &w = graph.floatWeight(l.id);
        if (fixed.count(l.id))
            rtn[size_t(l.id)] = {BrecqMethod::weightGrid(w, planned[size_t(l.id)]).fakeQuantize(w)};
        else
            for (int bits : problem.candidates)
                rtn[size_t(l.id)].push_back(BrecqMethod::weightGrid(w, bits).fakeQuantize(w));
    }

    auto floatSession = graph.makeSession();
    auto session = graph.makeSession();
    torch::Tensor in = images.slice(0, 0, std::min<int64_t>(kSensitivityImages, images.size(0)));
    const auto &units = graph.units();
    for (size_t u = 0; u < units.size(); ++u) {
        context.progress(0.9 * u / units.size(),
                         "mixed precision: sensitivity of " + units[u].name);
        const auto target = UnitReconstructor::runOnAll(graph, u, in, floatSession, &context);
        std::vector<int> unitGenes;
        for (int id : units[u].layerIds) {
            if (geneOf[size_t(id)] >= 0)
                unitGenes.push_back(geneOf[size_t(id)]);
            else
                session.setWeight(id, rtn[size_t(id)].front());
        }
        if (unitGenes.empty()) { // nothing to measure: only the next unit's input is needed
            in = target;
            continue;
        }
        const auto weights =
            fisher ? FisherWeights::compute(graph, u, target, floatSession, context)
                   : torch::Tensor();
        // Joint table for small blocks (intra-block interaction); one table per layer beyond.
        std::vector<std::vector<int>> groups;
        if (jointAssignments(k, unitGenes.size()) <= kJointAssignments)
            groups.push_back(unitGenes);
        else
            for (int g : unitGenes)
                groups.push_back({g});
        // Each unit's error relative to its output's energy (a noise-to-signal ratio), so the
        // tables of different units can be added: a unit's squared error is on the scale of its
        // outputs, which folding BatchNorm or scaling a layer against the next sets without
        // changing the network. Absolute errors gave a plain CNN's last convolution, whose
        // outputs are large, 5 bits and the convolution before it 2 at a 4-bit budget.
        const double energy = outputEnergy(target);
        UnitReconstructor probe(graph, u, session, in, target, weights);
        for (const auto &group : groups) {
            for (int g : unitGenes) // layers outside the group stay at the highest candidate
                session.setWeight(layerOf[size_t(g)], rtn[size_t(layerOf[size_t(g)])].back());
            SensitivityFactor factor;
            factor.genes = group;
            const size_t combos = jointAssignments(k, group.size());
            for (size_t index = 0; index < combos; ++index) {
                context.checkCancelled();
                size_t rest = index;
                for (int g : group) {
                    const int id = layerOf[size_t(g)];
                    session.setWeight(id, rtn[size_t(id)][rest % k]);
                    rest /= k;
                }
                factor.loss.push_back(probe.outputLoss() / energy);
            }
            problem.factors.push_back(std::move(factor));
        }
        in = target;
    }

    SearchOptions options;
    options.seed = static_cast<uint64_t>(input.settings.integer("seed"));
    const auto uniform = BitAllocationSearch::uniformAtBudget(problem);
    if (!uniform.empty())
        context.metric("mp_uniform_sensitivity", 0, BitAllocationSearch::fitness(problem, uniform));
    std::vector<int> bits;
    const std::string allocation = input.settings.text("allocation");
    if (allocation == "search") {
        bits = BitAllocationSearch::search(problem, options, [&](int gen, double best) {
            context.checkCancelled();
            context.metric("mp_sensitivity", gen + 1, best);
            context.progress(0.9 + 0.1 * (gen + 1) / options.generations,
                             "mixed precision: search");
        });
    } else {
        // An allocation the search did not choose, with the sensitivity it predicts for it.
        BitAllocationSearch::requireFeasible(problem);
        const auto choice = allocation == "uniform"
                                ? uniform
                                : BitAllocationSearch::randomAtBudget(
                                      problem, uint64_t(input.settings.integer("allocation_draw")));
        context.metric("mp_sensitivity", 1, BitAllocationSearch::fitness(problem, choice));
        for (int index : choice)
            bits.push_back(problem.candidates[size_t(index)]);
    }
    std::vector<int> out = planned;
    for (size_t g = 0; g < bits.size(); ++g)
        out[size_t(layerOf[g])] = bits[g];
    return out;
}

} // namespace quantscope::quant
