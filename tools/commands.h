// The finch CLI's subcommands, one file each.
#pragma once

#include "graph/status.h"
#include "tools/cli_util.h"

namespace finch::cli {

Status RunCommand(Args& args);
Status ZooCommand(Args& args);
Status OptimizeCommand(Args& args);
Status CompareCommand(Args& args);
Status BenchCommand(Args& args);
Status ProfileCommand(Args& args);
Status ValidateCommand(Args& args);
Status MachineCommand(Args& args);
Status EvalCommand(Args& args);
Status QuantizeCommand(Args& args);
// finch scale / finch fit (issue 9); scale standard-vs-separable is StandardVsSeparableReport.
Status ScaleCommand(Args& args);
Status FitCommand(Args& args);
Status StandardVsSeparableReport(Args& args);

}  // namespace finch::cli
