// finch zoo NAME [options] -o FILE.onnx
#include "tools/commands.h"

namespace finch::cli {

Status ZooCommand(Args& args) { return Unimplemented("finch zoo: not built yet"); }

}  // namespace finch::cli
