#include "graph/ops/op_schema.h"

namespace finch {

void RegisterPoolSchemas(OpSchemaRegistry& r) {}

}  // namespace finch
