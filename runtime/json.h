// A small JSON reader and the two writers finch's JSON outputs share: enough for files finch
// writes itself (the machine-model cache), parsed defensively — malformed, truncated or hostile
// text gives InvalidArgument with the offset, never a crash; nesting is capped at 16 levels.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/status.h"

namespace finch {

struct JsonValue {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  double number = 0;  // kNumber; kBool as 0 or 1
  std::string str;
  std::vector<JsonValue> items;             // kArray
  std::map<std::string, JsonValue> fields;  // kObject (a repeated key keeps the last value)
};

// Parses one JSON value (surrounding whitespace allowed). Errors read "<what>: <problem> at
// offset N". \u escapes beyond ASCII become '?'.
StatusOr<JsonValue> ParseJson(const std::string& text, const std::string& what);

// obj's field `name` when it exists and has `kind`, else null.
const JsonValue* JsonField(const JsonValue& obj, const char* name, JsonValue::Kind kind);

// A quoted, escaped JSON string.
std::string JsonString(const std::string& s);
// The shortest of %.15g / %.17g that reads back to the same double.
std::string JsonNumber(double x);

}  // namespace finch
