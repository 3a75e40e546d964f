// SPDX-License-Identifier: MIT
// The agent's description of a device: core types read from /proc/cpuinfo as Arm boards, phones
// and PCs write it.
#include "agent/device_info.h"
#include "check.h"

#include <sstream>

using namespace quantscope::agent;

namespace {

std::vector<std::string> typesOf(const std::string &cpuinfo, unsigned cores)
{
    std::istringstream in(cpuinfo);
    return DeviceInfo::coreTypesFrom(in, cores);
}

std::string armProcessor(int n, const char *part)
{
    return "processor\t: " + std::to_string(n) +
           "\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n"
           "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x4\nCPU part\t: " +
           part + "\nCPU revision\t: 1\n\n";
}

} // namespace

TEST_CASE(raspberryPi5CoresAreCortexA76)
{
    std::string text;
    for (int n = 0; n < 4; ++n)
        text += armProcessor(n, "0xd0b");
    text += "Hardware\t: BCM2835\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n";
    const auto types = typesOf(text, 4);
    CHECK(types == std::vector<std::string>(4, "Cortex-A76"));
}

TEST_CASE(bigLittlePhoneNamesEachCluster)
{
    std::string text;
    for (int n = 0; n < 6; ++n)
        text += armProcessor(n, "0xd05");
    for (int n = 6; n < 8; ++n)
        text += armProcessor(n, "0xd0b");
    const auto types = typesOf(text, 8);
    CHECK(types.size() == 8);
    CHECK(types.size() == 8 && types[0] == "Cortex-A55" && types[7] == "Cortex-A76");
}

TEST_CASE(unknownPartsAndOtherVendorsAreNamedByNumber)
{
    const auto arm = typesOf(armProcessor(0, "0xfff"), 1);
    CHECK(arm.size() == 1 && arm[0] == "Arm part 0xfff");
    const std::string qualcomm = "processor\t: 0\nCPU implementer\t: 0x51\nCPU part\t: 0x805\n";
    const auto other = typesOf(qualcomm, 1);
    CHECK(other.size() == 1 && other[0] == "part 0x805 of implementer 0x51");
}

TEST_CASE(x86ModelNameAndIncompleteListings)
{
    const std::string pc = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9B14\n\n"
                           "processor\t: 1\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9B14\n";
    CHECK(typesOf(pc, 2) == std::vector<std::string>(2, "AMD EPYC 9B14"));
    // Fewer blocks than cores, or a block without a name: nothing rather than a wrong list.
    CHECK(typesOf(pc, 4).empty());
    CHECK(typesOf("processor\t: 0\nBogoMIPS\t: 1\n", 1).empty());
    CHECK(typesOf("", 2).empty());
}

TEST_CASE(clockIsMeasuredWhereTheCoreIsReal)
{
    const auto info = DeviceInfo::probe();
    // Under qemu a cycle is not the device's: nothing is measured there.
    if (info.emulated)
        CHECK(info.clockGHz == 0);
    else
        CHECK(info.clockGHz > 0.2 && info.clockGHz < 10);
}

int main()
{
    return quantscope::runtime::test::runAll();
}
