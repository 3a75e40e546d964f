// SPDX-License-Identifier: MIT
// Import time and peak memory of one model: load, freeze, fold BatchNorm, instrument, partition
// into units, and one forward pass at the model's input shape. One model per process, so the
// peak resident size is this model's. Models: tests/fixtures/make_fixtures.py --torchvision DIR
//   bench/run_import_bench.sh
#include "model/quant_graph.h"

#include <chrono>
#include <cstdio>
#include <sys/resource.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_import MODEL.pt\n");
        return 2;
    }
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    const auto start = std::chrono::steady_clock::now();
    quantscope::model::QuantGraph graph(argv[1]);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    int blocks = 0;
    for (const auto &u : graph.units())
        blocks += u.isBlock;
    std::printf("%s: %zu layers, %d blocks, %lld weights; import %.2f s; peak RSS %.0f MiB "
                "(%.0f MiB before loading)\n",
                argv[1], graph.layers().size(), blocks,
                static_cast<long long>(graph.totalParams()), seconds, after.ru_maxrss / 1024.0,
                before.ru_maxrss / 1024.0);
    return 0;
}
