// SPDX-License-Identifier: MIT
#include "bit_allocation_search.h"

#include "error.h"

#include <algorithm>
#include <limits>
#include <random>

namespace quantscope::quant {

namespace {

using Choice = std::vector<int>; // candidate index per gene

// Lowers bits until the size fits, each time on the gene whose step down costs the least
// sensitivity per bit saved. Terminates: every round lowers one gene, and the all-lowest
// assignment fits (checked before the search).
void repair(const AllocationProblem &p, Choice &c)
{
    while (BitAllocationSearch::sizeBits(p, c) > p.budgetBits) {
        const double base = BitAllocationSearch::fitness(p, c);
        int best = -1;
        double bestCost = std::numeric_limits<double>::infinity();
        for (size_t g = 0; g < c.size(); ++g) {
            if (c[g] == 0)
                continue;
            --c[g];
            const double saved = double(p.params[g]) * (p.candidates[c[g] + 1] - p.candidates[c[g]]);
            const double cost = (BitAllocationSearch::fitness(p, c) - base) / saved;
            ++c[g];
            if (cost < bestCost) {
                bestCost = cost;
                best = static_cast<int>(g);
            }
        }
        --c[size_t(best)];
    }
}

} // namespace

double BitAllocationSearch::fitness(const AllocationProblem &p, const std::vector<int> &choice)
{
    const size_t k = p.candidates.size();
    double sum = 0;
    for (const auto &f : p.factors) {
        size_t index = 0, radix = 1;
        for (int g : f.genes) {
            index += size_t(choice[size_t(g)]) * radix;
            radix *= k;
        }
        sum += f.loss.at(index);
    }
    return sum;
}

double BitAllocationSearch::sizeBits(const AllocationProblem &p, const std::vector<int> &choice)
{
    double bits = 0;
    for (size_t g = 0; g < choice.size(); ++g)
        bits += double(p.params[g]) * p.candidates[size_t(choice[g])];
    return bits;
}

std::vector<int> BitAllocationSearch::uniformAtBudget(const AllocationProblem &p)
{
    for (int index = int(p.candidates.size()) - 1; index >= 0; --index) {
        Choice uniform(p.params.size(), index);
        if (sizeBits(p, uniform) <= p.budgetBits)
            return uniform;
    }
    return {};
}

void BitAllocationSearch::requireFeasible(const AllocationProblem &p)
{
    if (uniformAtBudget(p).empty())
        throw Error("the size budget is below " + std::to_string(p.candidates.front()) +
                    " bits for every searchable layer; raise the target bits");
}

std::vector<int> BitAllocationSearch::randomAtBudget(const AllocationProblem &p, uint64_t seed)
{
    requireFeasible(p);
    std::mt19937_64 rng(seed);
    const int k = static_cast<int>(p.candidates.size());
    std::uniform_int_distribution<int> anyCandidate(0, k - 1);
    std::uniform_int_distribution<size_t> anyGene(0, p.params.size() - 1);
    Choice c(p.params.size());
    for (auto &g : c)
        g = anyCandidate(rng);
    while (sizeBits(p, c) > p.budgetBits) {
        const size_t g = anyGene(rng);
        c[g] = std::max(0, c[g] - 1);
    }
    for (;;) {
        std::vector<size_t> raisable;
        for (size_t g = 0; g < c.size(); ++g) {
            if (c[g] + 1 == k)
                continue;
            ++c[g];
            if (sizeBits(p, c) <= p.budgetBits)
                raisable.push_back(g);
            --c[g];
        }
        if (raisable.empty())
            return c;
        ++c[raisable[std::uniform_int_distribution<size_t>(0, raisable.size() - 1)(rng)]];
    }
}

std::vector<int> BitAllocationSearch::search(const AllocationProblem &p, const SearchOptions &o,
                                             const std::function<void(int, double)> &onGeneration)
{
    const size_t genes = p.params.size();
    const int k = static_cast<int>(p.candidates.size());
    requireFeasible(p);
    const Choice uniform = uniformAtBudget(p);
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    std::uniform_int_distribution<int> anyCandidate(0, k - 1);

    // Seeds: uniform bits at the budget, the highest precision that fits (repaired) and random
    // assignments (repaired).
    std::vector<Choice> population{uniform};
    Choice top(genes, k - 1);
    repair(p, top);
    population.push_back(top);
    while (int(population.size()) < o.population) {
        Choice c(genes);
        for (auto &g : c)
            g = anyCandidate(rng);
        repair(p, c);
        population.push_back(std::move(c));
    }
    std::vector<double> score(population.size());
    const auto rank = [&] {
        for (size_t i = 0; i < population.size(); ++i)
            score[i] = fitness(p, population[i]);
        std::vector<size_t> order(population.size());
        for (size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
        std::vector<Choice> sorted;
        std::vector<double> sortedScore;
        for (size_t i : order) {
            sorted.push_back(population[i]);
            sortedScore.push_back(score[i]);
        }
        population = std::move(sorted);
        score = std::move(sortedScore);
    };
    std::uniform_int_distribution<size_t> anyIndividual(0, population.size() - 1);
    const auto tournament = [&]() -> const Choice & {
        const size_t a = anyIndividual(rng), b = anyIndividual(rng);
        return population[std::min(a, b)]; // sorted: the lower index is the fitter
    };
    rank();
    for (int gen = 0; gen < o.generations; ++gen) {
        // At least the fittest survives: the result can only improve on the uniform seed.
        const size_t elite = std::min<size_t>(size_t(std::max(1, o.elite)), population.size());
        std::vector<Choice> next(population.begin(), population.begin() + long(elite));
        while (next.size() < population.size()) {
            Choice child = tournament();
            const Choice &other = tournament();
            for (size_t g = 0; g < genes; ++g) {
                if (coin(rng) < o.crossover)
                    child[g] = other[g];
                if (coin(rng) < o.mutation)
                    child[g] = anyCandidate(rng);
            }
            repair(p, child);
            next.push_back(std::move(child));
        }
        population = std::move(next);
        rank();
        if (onGeneration)
            onGeneration(gen, score.front());
    }
    std::vector<int> bits(genes);
    for (size_t g = 0; g < genes; ++g)
        bits[g] = p.candidates[size_t(population.front()[g])];
    return bits;
}

} // namespace quantscope::quant
