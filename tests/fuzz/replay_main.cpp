// SPDX-License-Identifier: MIT
// The harnesses outside a fuzzing build: every file of the folders given (a harness's seed
// corpus and the inputs that once broke it) goes through LLVMFuzzerTestOneInput once, so what
// fuzzing found stays fixed in the ordinary test run.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int inputs = 0;
    for (int i = 1; i < argc; ++i) {
        if (!std::filesystem::is_directory(argv[i]))
            continue; // a harness without regressions yet
        for (const auto &entry : std::filesystem::directory_iterator(argv[i])) {
            std::ifstream in(entry.path(), std::ios::binary);
            const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
            std::printf("%s\n", entry.path().filename().c_str());
            std::fflush(stdout); // the name of an input that crashes is the last line
            LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
            ++inputs;
        }
    }
    std::printf("%d inputs, none crashed\n", inputs);
    return inputs > 0 ? 0 : 1;
}
