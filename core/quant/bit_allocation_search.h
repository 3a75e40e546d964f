// SPDX-License-Identifier: MIT
// BitAllocationSearch: BRECQ's mixed precision (ALGORITHMS-NOTES §3.8; the official code never
// released it, so this is our design). Each searchable layer is a gene taking one of the
// candidate bit-widths; the fitness is the sum of measured sensitivities, where a factor holds
// the joint sensitivity of the layers of one block (intra-block interaction) or of a lone layer;
// the constraint is a weight-size budget. A genetic algorithm searches; deterministic per seed.
// The uniform allocation at the budget seeds the population and elitism keeps the fittest, so
// the result is never worse than uniform bits by the search's own measure.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace quantscope::quant {

struct SensitivityFactor
{
    std::vector<int> genes;   // indices into AllocationProblem::params
    // loss[index] for the assignment whose candidate indices, gene by gene (first gene fastest),
    // form the mixed-radix number index; size = candidates^genes.
    std::vector<double> loss;
};

struct AllocationProblem
{
    std::vector<int> candidates{2, 3, 4, 5, 6, 7, 8}; // ascending
    std::vector<int64_t> params;          // weights per gene
    std::vector<SensitivityFactor> factors;
    double budgetBits = 0;                // Σ params × bits allowed over the genes
};

struct SearchOptions
{
    int population = 50;
    int generations = 120;
    double crossover = 0.5; // per-gene swap probability
    double mutation = 0.1;  // per-gene probability
    int elite = 2; // at least 1
    uint64_t seed = 0;
};

class BitAllocationSearch
{
public:
    // Bits per gene. Throws quantscope::Error when even the lowest candidate everywhere exceeds
    // the budget. onGeneration(generation, best fitness) reports convergence.
    static std::vector<int> search(const AllocationProblem &problem, const SearchOptions &options,
                                   const std::function<void(int, double)> &onGeneration = {});
    // Σ of the factors' losses for an assignment given as candidate indices per gene.
    static double fitness(const AllocationProblem &problem, const std::vector<int> &choice);
    static double sizeBits(const AllocationProblem &problem, const std::vector<int> &choice);
    // Candidate indices giving every gene the highest candidate at which all of them fit the
    // budget; empty when even the lowest does not.
    static std::vector<int> uniformAtBudget(const AllocationProblem &problem);
    // Throws quantscope::Error when even the lowest candidate everywhere exceeds the budget.
    static void requireFeasible(const AllocationProblem &problem);
    // Candidate indices drawn at random, lowered at random genes until they fit the budget and
    // raised at random genes while they still fit: an allocation the sensitivities did not
    // choose, to check them against accuracy. Throws like search().
    static std::vector<int> randomAtBudget(const AllocationProblem &problem, uint64_t seed);
};

} // namespace quantscope::quant
