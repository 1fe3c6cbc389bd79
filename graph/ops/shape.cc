#include "graph/ops/op_schema.h"

namespace finch {

void RegisterShapeSchemas(OpSchemaRegistry& r) {}

}  // namespace finch
