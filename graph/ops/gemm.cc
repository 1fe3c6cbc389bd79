#include "graph/ops/op_schema.h"

namespace finch {

void RegisterGemmSchemas(OpSchemaRegistry& r) {}

}  // namespace finch
