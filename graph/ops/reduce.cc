#include "graph/ops/op_schema.h"

namespace finch {

void RegisterReduceSchemas(OpSchemaRegistry& r) {}

}  // namespace finch
