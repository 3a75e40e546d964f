// SPDX-License-Identifier: MIT
// ImageFolderReader on hostile images: two classes of one file each, named .png, .jpg or .bmp
// as the input chooses (the header reader trusts the bytes, not the name), surveyed then decoded
// to grey or RGB. Damaged images are skipped and counted; the only acceptable failure is a
// quantscope::Error when none could be read.
#include "data/dataset_reader.h"
#include "data/image_folder_reader.h"
#include "dataset_invariants.h"
#include "error.h"
#include "fuzz_input.h"

using namespace quantscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kExtensions[] = {".png", ".jpg", ".jpeg", ".bmp"};
    fuzz::FuzzInput input(data, size);
    const auto dir = fuzz::scratchFolder("imagefolder");
    const uint8_t choice = input.takeByte();
    fuzz::writeFile(dir / "cat" / (std::string("a") + kExtensions[choice & 3]), input.takePart());
    fuzz::writeFile(dir / "dog" / (std::string("b") + kExtensions[(choice >> 2) & 3]), input.rest());
    try {
        const auto survey = data::ImageFolderReader::survey(dir.string());
        data::ImageFolderOptions options;
        options.size = 8;
        options.channels = choice & 16 ? 1 : 3;
        options.layout = survey.mixed ? data::ImageFolderOptions::Layout::Mixed
                                      : data::ImageFolderOptions::Layout::Uniform;
        fuzz::checkDataset(
            data::ImageFolderReader::read(dir.string(), data::Split::Train, options));
    } catch (const Error &) {
    }
    return 0;
}
