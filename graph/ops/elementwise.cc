#include "graph/ops/op_schema.h"

namespace finch {

void RegisterElementwiseSchemas(OpSchemaRegistry& r) {}

}  // namespace finch
