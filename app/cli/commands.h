// SPDX-License-Identifier: MIT
// The subcommands of quantscope-cli. Each returns the process exit code; errors a user can act
// on are thrown as quantscope::Error and turned into exit code 2 by main().
#pragma once

#include <string>
#include <vector>

namespace quantscope::cli {

using Args = std::vector<std::string>;

int infoCommand(const Args &args);
int evalCommand(const Args &args);
int trainCommand(const Args &args);
int quantizeCommand(const Args &args);
int runsCommand(const Args &args);
int demoCommand(const Args &args);
int exportCommand(const Args &args);
int verifyCommand(const Args &args);
int deployCommand(const Args &args);
int devicesCommand(const Args &args);

} // namespace quantscope::cli
