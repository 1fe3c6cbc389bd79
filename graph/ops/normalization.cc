#include "graph/ops/op_schema.h"

namespace finch {

void RegisterNormalizationSchemas(OpSchemaRegistry& r) {}

}  // namespace finch
