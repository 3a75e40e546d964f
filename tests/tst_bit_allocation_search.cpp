// SPDX-License-Identifier: MIT
// The mixed-precision genetic search: it respects the size budget, finds the optimum of a small
// problem that can be checked exhaustively, is never worse than uniform bits at the budget,
// refuses an impossible budget, and repeats per seed; random allocations fill the budget.
#include "error.h"
#include "quant/bit_allocation_search.h"

#include <QTest>

#include <random>
#include <set>

using namespace quantscope;
using quant::AllocationProblem;
using quant::BitAllocationSearch;

class TestBitAllocationSearch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void respectsTheBudget();
    void findsTheOptimumOfASmallProblem();
    void neverWorseThanUniformBits();
    void refusesAnImpossibleBudget();
    void randomAllocationFillsTheBudget();

private:
    // genes layers; sensitivity falls with bits, more for some layers; pairs share a factor.
    static AllocationProblem problem(int genes, double averageBits, uint64_t seed);
    static std::vector<int> indices(const AllocationProblem &p, const std::vector<int> &bits);
};

AllocationProblem TestBitAllocationSearch::problem(int genes, double averageBits, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.1, 10.0);
    AllocationProblem p;
    p.candidates = {2, 4, 8};
    double params = 0;
    for (int g = 0; g < genes; ++g) {
        p.params.push_back(int64_t(100 * (1 + g % 4)));
        params += double(p.params.back());
    }
    for (int g = 0; g + 1 < genes; g += 2) { // a block of two layers: joint table
        quant::SensitivityFactor f;
        f.genes = {g, g + 1};
        const double a = u(rng), b = u(rng), ab = u(rng) * 0.1;
        for (int j = 0; j < 3; ++j)
            for (int i = 0; i < 3; ++i) // gene g fastest
                f.loss.push_back(a / (1 << (2 * i)) + b / (1 << (2 * j)) + ab * (2 - i) * (2 - j));
        p.factors.push_back(f);
    }
    p.budgetBits = averageBits * params;
    return p;
}

std::vector<int> TestBitAllocationSearch::indices(const AllocationProblem &p,
                                                  const std::vector<int> &bits)
{
    std::vector<int> out;
    for (int b : bits)
        out.push_back(int(std::find(p.candidates.begin(), p.candidates.end(), b) -
                          p.candidates.begin()));
    return out;
}

void TestBitAllocationSearch::respectsTheBudget()
{
    for (double average : {2.0, 3.0, 4.5, 8.0}) {
        const auto p = problem(20, average, 7);
        int generations = 0;
        const auto bits = BitAllocationSearch::search(p, {}, [&](int, double) { ++generations; });
        QCOMPARE(generations, quant::SearchOptions().generations);
        QCOMPARE(bits.size(), size_t(20));
        const auto choice = indices(p, bits);
        QVERIFY(BitAllocationSearch::sizeBits(p, choice) <= p.budgetBits);
        if (average >= 8.0) // everything fits: all at the highest candidate
            QVERIFY(std::all_of(bits.begin(), bits.end(), [](int b) { return b == 8; }));
    }
    // Same seed, same answer.
    const auto p = problem(20, 3.0, 7);
    QCOMPARE(BitAllocationSearch::search(p, {}), BitAllocationSearch::search(p, {}));
}

void TestBitAllocationSearch::findsTheOptimumOfASmallProblem()
{
    const auto p = problem(6, 3.5, 11);
    double best = 1e300;
    for (int index = 0; index < 729; ++index) { // 3^6
        std::vector<int> c;
        for (int g = 0, rest = index; g < 6; ++g, rest /= 3)
            c.push_back(rest % 3);
        if (BitAllocationSearch::sizeBits(p, c) <= p.budgetBits)
            best = std::min(best, BitAllocationSearch::fitness(p, c));
    }
    const auto found = BitAllocationSearch::fitness(p, indices(p, BitAllocationSearch::search(p, {})));
    QCOMPARE(found, best);
}

void TestBitAllocationSearch::neverWorseThanUniformBits()
{
    // Layers of very different sizes with noisy, falling sensitivities over 2…8 bits, and a
    // search too short to find much by itself: whatever it returns must fit and must not lose
    // to giving every layer the same bits.
    quant::SearchOptions tiny;
    tiny.population = 4;
    tiny.generations = 2;
    int strictlyBetter = 0;
    for (uint64_t seed = 0; seed < 40; ++seed) {
        std::mt19937_64 rng(seed);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        AllocationProblem p; // the default candidates, 2…8
        double params = 0;
        for (int g = 0; g < 9; ++g) {
            p.params.push_back(int64_t(10 + 1000 * u(rng)));
            params += double(p.params.back());
            quant::SensitivityFactor f;
            f.genes = {g};
            const double scale = 10 * u(rng);
            for (int bits : p.candidates)
                f.loss.push_back(scale / double(1 << bits) * (0.5 + u(rng)));
            p.factors.push_back(f);
        }
        p.budgetBits = (2.5 + 3 * u(rng)) * params;
        const auto uniform = BitAllocationSearch::uniformAtBudget(p);
        QVERIFY(!uniform.empty());
        QVERIFY(BitAllocationSearch::sizeBits(p, uniform) <= p.budgetBits);
        tiny.seed = seed;
        const auto choice = indices(p, BitAllocationSearch::search(p, tiny));
        QVERIFY(BitAllocationSearch::sizeBits(p, choice) <= p.budgetBits);
        const double found = BitAllocationSearch::fitness(p, choice);
        const double flat = BitAllocationSearch::fitness(p, uniform);
        QVERIFY2(found <= flat, qPrintable(QString("seed %1: %2 > uniform %3").arg(seed).arg(found).arg(flat)));
        strictlyBetter += found < flat;
    }
    QVERIFY(strictlyBetter > 0); // the search does more than return its seed

    // Equal layers whose error jumps once below 8 bits and again at 2: lowering one layer all
    // the way looks cheapest step by step, so repairing random or all-8 assignments ends at a mix
    // of 2 and 8 bits (1.5 per layer at 2), which loses to 3 bits everywhere (1 per layer).
    AllocationProblem steps;
    for (int g = 0; g < 30; ++g) {
        steps.params.push_back(100);
        steps.factors.push_back({{g}, {1.5, 1, 1, 1, 1, 1, 0}});
    }
    steps.budgetBits = 3.0 * 3000;
    tiny.seed = 1;
    const auto choice = indices(steps, BitAllocationSearch::search(steps, tiny));
    QCOMPARE(BitAllocationSearch::fitness(steps, choice), 30.0);
}

void TestBitAllocationSearch::refusesAnImpossibleBudget()
{
    const auto p = problem(4, 1.5, 3);
    QVERIFY_THROWS_EXCEPTION(Error, BitAllocationSearch::search(p, {}));
    QVERIFY_THROWS_EXCEPTION(Error, BitAllocationSearch::randomAtBudget(p, 1));
}

// The allocations the search's measure is checked with: within the budget, filled up to it
// (no gene can rise without breaking it), one per draw, and not all alike.
void TestBitAllocationSearch::randomAllocationFillsTheBudget()
{
    const auto p = problem(20, 3.0, 7);
    std::set<std::vector<int>> distinct;
    for (uint64_t draw = 1; draw <= 10; ++draw) {
        auto c = BitAllocationSearch::randomAtBudget(p, draw);
        QCOMPARE(c, BitAllocationSearch::randomAtBudget(p, draw));
        QVERIFY(BitAllocationSearch::sizeBits(p, c) <= p.budgetBits);
        for (auto &g : c) {
            if (g + 1 == int(p.candidates.size()))
                continue;
            ++g;
            QVERIFY(BitAllocationSearch::sizeBits(p, c) > p.budgetBits);
            --g;
        }
        distinct.insert(c);
    }
    QVERIFY(distinct.size() >= 5);
}

QTEST_APPLESS_MAIN(TestBitAllocationSearch)
#include "tst_bit_allocation_search.moc"
