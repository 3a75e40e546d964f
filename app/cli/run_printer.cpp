// SPDX-License-Identifier: MIT
#include "run_printer.h"

#include <cstdio>

namespace quantscope::cli {

nlohmann::json RunPrinter::toJson(const store::RunRecord &r,
                                  const std::vector<store::LayerRecord> &layers)
{
    nlohmann::json out = {{"run_id", r.id},         {"method", r.method},
                          {"wbits", r.wbits},       {"abits", r.abits},
                          {"status", r.status},     {"fp_top1", r.fpTop1},
                          {"top1", r.top1},         {"top5", r.top5},
                          {"avg_wbits", r.avgWbits}, {"size_bytes", r.sizeBytes},
                          {"fp_size_bytes", r.fpSizeBytes}, {"seconds", r.seconds}, {"bops", r.bops},
                          {"model", r.model},       {"data", r.data},
                          {"created", r.created},   {"artifact", r.artifact},
                          {"config", nlohmann::json::parse(r.configJson, nullptr, false)}};
    if (!r.error.empty())
        out["error"] = r.error;
    auto &rows = out["layers"] = nlohmann::json::array();
    for (const auto &l : layers)
        rows.push_back({{"name", l.name}, {"kind", l.kind}, {"params", l.params},
                        {"wbits", l.wbits}, {"abits", l.abits}, {"sqnr_db", l.sqnrDb}});
    return out;
}

void RunPrinter::printRun(const store::RunRecord &r, const std::vector<store::LayerRecord> &layers)
{
    std::printf("run %lld: %s %s — %s\n", static_cast<long long>(r.id), r.method.c_str(),
                r.bitsLabel().c_str(), r.status.c_str());
    if (!r.error.empty())
        std::printf("  error: %s\n", r.error.c_str());
    const auto config = nlohmann::json::parse(r.configJson, nullptr, false);
    if (config.is_object() && config.contains("image_size_source"))
        std::printf("  input: %lld px (%s); mean %s, std %s (%s)\n",
                    config.value("image_size", 0LL),
                    config.value("image_size_source", std::string()).c_str(),
                    config.value("mean", nlohmann::json()).dump().c_str(),
                    config.value("std", nlohmann::json()).dump().c_str(),
                    config.value("normalisation_source", std::string()).c_str());
    if (config.is_object() && config.contains("warnings"))
        for (const auto &w : config["warnings"])
            std::printf("  warning: %s\n", w.get<std::string>().c_str());
    if (r.status == "finished") {
        std::printf("  top-1 %.2f %% (float %.2f %%, drop %.2f points), top-5 %.2f %%\n",
                    r.top1 * 100, r.fpTop1 * 100, (r.fpTop1 - r.top1) * 100, r.top5 * 100);
        std::printf("  size %.1f KiB (float %.1f KiB, %.1f× smaller), average %.2f weight bits, "
                    "%.1f s\n",
                    r.sizeBytes / 1024.0, r.fpSizeBytes / 1024.0,
                    r.sizeBytes > 0 ? double(r.fpSizeBytes) / r.sizeBytes : 0.0, r.avgWbits,
                    r.seconds);
        std::printf("  model: %s\n", r.artifact.c_str());
    }
    if (!layers.empty())
        std::printf("  %-32s %-6s %9s %6s %6s %9s\n", "layer", "kind", "params", "wbits",
                    "abits", "SQNR dB");
    for (const auto &l : layers)
        std::printf("  %-32s %-6s %9lld %6.2f %6.0f %9.2f\n", l.name.c_str(), l.kind.c_str(),
                    static_cast<long long>(l.params), l.wbits, l.abits, l.sqnrDb);
}

void RunPrinter::printTable(const std::vector<store::RunRecord> &runs)
{
    std::printf("%5s  %-8s %-9s %-11s %8s %8s %8s %10s %9s %8s\n", "run", "method", "bits",
                "status", "top-1 %", "fp %", "drop", "size KiB", "avg bits", "seconds");
    for (const auto &r : runs) {
        if (r.status == "finished")
            std::printf("%5lld  %-8s %-9s %-11s %8.2f %8.2f %8.2f %10.1f %9.2f %8.1f\n",
                        static_cast<long long>(r.id), r.method.c_str(), r.bitsLabel().c_str(),
                        r.status.c_str(), r.top1 * 100, r.fpTop1 * 100,
                        (r.fpTop1 - r.top1) * 100, r.sizeBytes / 1024.0, r.avgWbits, r.seconds);
        else
            std::printf("%5lld  %-8s %-9s %-11s %s\n", static_cast<long long>(r.id),
                        r.method.c_str(), r.bitsLabel().c_str(), r.status.c_str(),
                        r.error.c_str());
    }
}

} // namespace quantscope::cli
