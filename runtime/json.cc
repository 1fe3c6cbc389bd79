#include "runtime/json.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace finch {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The shortest of %.15g / %.17g that reads back to the same double.
std::string JsonNumber(double x) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.15g", x);
  if (std::strtod(buf, nullptr) != x) std::snprintf(buf, sizeof(buf), "%.17g", x);
  return buf;
}

namespace {

class JsonParser {
 public:
  JsonParser(const std::string& text, const std::string& what) : s_(text), what_(what) {}

  Status Parse(JsonValue* out) {
    FINCH_RETURN_IF_ERROR(Value(out, 0));
    SkipSpace();
    if (pos_ != s_.size()) return Error("trailing characters");
    return Status::Ok();
  }

 private:
  static constexpr int kMaxDepth = 16;

  Status Error(const std::string& what) const {
    return InvalidArgument(what_, ": ", what, " at offset ", pos_);
  }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Status Value(JsonValue* v, int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    SkipSpace();
    if (pos_ >= s_.size()) return Error("unexpected end");
    const char c = s_[pos_];
    if (c == '{') return Object(v, depth);
    if (c == '[') return Array(v, depth);
    if (c == '"') {
      v->kind = JsonValue::kString;
      return String(&v->str);
    }
    for (const char* word : {"true", "false", "null"}) {
      if (s_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        v->kind = word[0] == 'n' ? JsonValue::kNull : JsonValue::kBool;
        v->number = word[0] == 't';
        return Status::Ok();
      }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = pos_;
      while (end < s_.size() && std::strchr("+-.eE0123456789", s_[end]) != nullptr) ++end;
      const std::string token = s_.substr(pos_, end - pos_);
      char* stop = nullptr;
      v->number = std::strtod(token.c_str(), &stop);
      if (stop != token.c_str() + token.size()) return Error("bad number \"" + token + "\"");
      v->kind = JsonValue::kNumber;
      pos_ = end;
      return Status::Ok();
    }
    return Error(std::string("unexpected character '") + c + "'");
  }

  Status String(std::string* out) {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return Status::Ok();
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          *out += e;
          break;
        case 'n':
          *out += '\n';
          break;
        case 't':
          *out += '\t';
          break;
        case 'r':
          *out += '\r';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'u': {
          // Only what we write: \u00XX control characters. Anything wider becomes '?'.
          if (pos_ + 4 > s_.size()) return Error("truncated \\u escape");
          char* stop = nullptr;
          const std::string hex = s_.substr(pos_, 4);
          const long code = std::strtol(hex.c_str(), &stop, 16);
          if (stop != hex.c_str() + 4) return Error("bad \\u escape");
          *out += code < 0x80 ? static_cast<char>(code) : '?';
          pos_ += 4;
          break;
        }
        default:
          return Error(std::string("bad escape \\") + e);
      }
    }
    return Error("unterminated string");
  }

  Status Array(JsonValue* v, int depth) {
    ++pos_;
    v->kind = JsonValue::kArray;
    if (Consume(']')) return Status::Ok();
    for (;;) {
      v->items.emplace_back();
      FINCH_RETURN_IF_ERROR(Value(&v->items.back(), depth + 1));
      if (Consume(']')) return Status::Ok();
      if (!Consume(',')) return Error("expected ',' or ']'");
    }
  }

  Status Object(JsonValue* v, int depth) {
    ++pos_;
    v->kind = JsonValue::kObject;
    if (Consume('}')) return Status::Ok();
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Error("expected a key");
      std::string key;
      FINCH_RETURN_IF_ERROR(String(&key));
      if (!Consume(':')) return Error("expected ':'");
      FINCH_RETURN_IF_ERROR(Value(&v->fields[key], depth + 1));
      if (Consume('}')) return Status::Ok();
      if (!Consume(',')) return Error("expected ',' or '}'");
    }
  }

  const std::string& s_;
  const std::string& what_;
  size_t pos_ = 0;
};

}  // namespace

StatusOr<JsonValue> ParseJson(const std::string& text, const std::string& what) {
  JsonValue root;
  FINCH_RETURN_IF_ERROR(JsonParser(text, what).Parse(&root));
  return root;
}

const JsonValue* JsonField(const JsonValue& obj, const char* name, JsonValue::Kind kind) {
  const auto it = obj.fields.find(name);
  if (it == obj.fields.end() || it->second.kind != kind) return nullptr;
  return &it->second;
}

}  // namespace finch
