// Small checkers for the files `finch profile` writes, for tests that cannot count on python3 or
// xmllint being installed: a JSON parser (RFC 8259 values; numbers as double) and an XML
// well-formedness check (what an SVG viewer needs: one root element, tags balanced and nested,
// attribute values quoted, '<' and '&' only as markup or entities).
#pragma once

#include <cctype>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace finch::testing {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject } type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;  // a repeated key keeps its last value

  bool Has(const std::string& key) const { return object.count(key) > 0; }
  const JsonValue& operator[](const std::string& key) const { return object.at(key); }
};

class JsonParser {
 public:
  // Parses `text` (one value, surrounded by whitespace only); on failure returns false with the
  // offset and reason in *error.
  static bool Parse(const std::string& text, JsonValue* out, std::string* error) {
    JsonParser p(text);
    if (!p.Value(out, 0)) {
      *error = "at offset " + std::to_string(p.pos_) + ": " + p.error_;
      return false;
    }
    p.Space();
    if (p.pos_ != text.size()) {
      *error = "trailing text at offset " + std::to_string(p.pos_);
      return false;
    }
    return true;
  }

 private:
  explicit JsonParser(const std::string& text) : s_(text) {}

  bool Fail(const std::string& why) {
    error_ = why;
    return false;
  }
  void Space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Literal(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) != 0) return Fail("expected " + w);
    pos_ += w.size();
    return true;
  }
  bool String(std::string* out) {
    if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("expected a string");
    ++pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      const char c = s_[pos_++];
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in a string");
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= s_.size()) return Fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          *out += e;
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return Fail("short \\u escape");
          for (int i = 0; i < 4; ++i) {
            if (!std::isxdigit(static_cast<unsigned char>(s_[pos_ + i]))) {
              return Fail("bad \\u escape");
            }
          }
          const long code = std::strtol(s_.substr(pos_, 4).c_str(), nullptr, 16);
          pos_ += 4;
          *out += code < 0x80 ? static_cast<char>(code) : '?';  // enough for checking
          break;
        }
        default:
          return Fail("bad escape");
      }
    }
    if (pos_ >= s_.size()) return Fail("unterminated string");
    ++pos_;
    return true;
  }
  bool Number(double* out) {
    const size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const size_t d = pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      return pos_ > d;
    };
    if (!digits()) return Fail("expected a number");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) return Fail("expected digits after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return Fail("expected an exponent");
    }
    *out = std::strtod(s_.substr(start, pos_ - start).c_str(), nullptr);
    return true;
  }
  bool Value(JsonValue* v, int depth) {
    if (depth > 64) return Fail("nested too deeply");
    Space();
    if (pos_ >= s_.size()) return Fail("unexpected end");
    const char c = s_[pos_];
    if (c == '{') {
      v->type = JsonValue::Type::kObject;
      ++pos_;
      Space();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      while (true) {
        Space();
        std::string key;
        if (!String(&key)) return false;
        Space();
        if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected ':'");
        ++pos_;
        if (!Value(&v->object[key], depth + 1)) return false;
        Space();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          return true;
        }
        return Fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v->type = JsonValue::Type::kArray;
      ++pos_;
      Space();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      while (true) {
        v->array.emplace_back();
        if (!Value(&v->array.back(), depth + 1)) return false;
        Space();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ']') {
          ++pos_;
          return true;
        }
        return Fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v->type = JsonValue::Type::kString;
      return String(&v->string);
    }
    if (c == 't' || c == 'f') {
      v->type = JsonValue::Type::kBool;
      v->boolean = c == 't';
      return Literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      v->type = JsonValue::Type::kNull;
      return Literal("null");
    }
    v->type = JsonValue::Type::kNumber;
    return Number(&v->number);
  }

  const std::string& s_;
  size_t pos_ = 0;
  std::string error_;
};

// "" when `xml` is well-formed in the sense above, else the first problem and where.
inline std::string XmlProblem(const std::string& xml) {
  std::vector<std::string> open;
  int roots = 0;
  size_t i = 0;
  auto at = [&](size_t p) { return " at offset " + std::to_string(p); };
  auto name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
           c == '.';
  };
  auto entity_ok = [&](size_t p) {  // s[p] == '&'
    const size_t semi = xml.find(';', p);
    if (semi == std::string::npos || semi - p > 8) return false;
    const std::string e = xml.substr(p + 1, semi - p - 1);
    if (e == "amp" || e == "lt" || e == "gt" || e == "quot" || e == "apos") return true;
    if (e.size() > 1 && e[0] == '#') {
      for (size_t k = 1; k < e.size(); ++k) {
        if (!std::isdigit(static_cast<unsigned char>(e[k]))) return false;
      }
      return true;
    }
    return false;
  };
  while (i < xml.size()) {
    const char c = xml[i];
    if (c == '&') {
      if (!entity_ok(i)) return "bad entity" + at(i);
      ++i;
      continue;
    }
    if (c != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(c))) {
        return "text outside the root element" + at(i);
      }
      ++i;
      continue;
    }
    if (xml.compare(i, 2, "<?") == 0) {
      const size_t end = xml.find("?>", i);
      if (end == std::string::npos) return "unterminated <?" + at(i);
      i = end + 2;
      continue;
    }
    if (xml.compare(i, 4, "<!--") == 0) {
      const size_t end = xml.find("-->", i);
      if (end == std::string::npos) return "unterminated comment" + at(i);
      i = end + 3;
      continue;
    }
    if (xml.compare(i, 2, "</") == 0) {
      size_t j = i + 2;
      while (j < xml.size() && name_char(xml[j])) ++j;
      const std::string name = xml.substr(i + 2, j - i - 2);
      while (j < xml.size() && std::isspace(static_cast<unsigned char>(xml[j]))) ++j;
      if (j >= xml.size() || xml[j] != '>') return "bad end tag" + at(i);
      if (open.empty() || open.back() != name) {
        return "</" + name + "> does not close <" + (open.empty() ? "" : open.back()) + ">" + at(i);
      }
      open.pop_back();
      i = j + 1;
      continue;
    }
    size_t j = i + 1;
    while (j < xml.size() && name_char(xml[j])) ++j;
    const std::string name = xml.substr(i + 1, j - i - 1);
    if (name.empty()) return "'<' not starting a tag" + at(i);
    if (open.empty() && ++roots > 1) return "a second root element <" + name + ">" + at(i);
    bool self_closing = false;
    std::map<std::string, bool> seen;
    while (true) {
      while (j < xml.size() && std::isspace(static_cast<unsigned char>(xml[j]))) ++j;
      if (j >= xml.size()) return "unterminated tag <" + name + ">" + at(i);
      if (xml[j] == '>') break;
      if (xml.compare(j, 2, "/>") == 0) {
        self_closing = true;
        ++j;
        break;
      }
      const size_t a = j;
      while (j < xml.size() && name_char(xml[j])) ++j;
      const std::string attr = xml.substr(a, j - a);
      if (attr.empty()) return "bad attribute in <" + name + ">" + at(j);
      if (seen[attr]) return "repeated attribute " + attr + at(a);
      seen[attr] = true;
      if (j >= xml.size() || xml[j] != '=') return "attribute " + attr + " without '='" + at(j);
      ++j;
      if (j >= xml.size() || (xml[j] != '"' && xml[j] != '\'')) {
        return "attribute " + attr + " not quoted" + at(j);
      }
      const char q = xml[j++];
      while (j < xml.size() && xml[j] != q) {
        if (xml[j] == '<') return "'<' in attribute " + attr + at(j);
        if (xml[j] == '&' && !entity_ok(j)) return "bad entity in attribute " + attr + at(j);
        ++j;
      }
      if (j >= xml.size()) return "unterminated attribute " + attr + at(a);
      ++j;
    }
    if (!self_closing) open.push_back(name);
    i = j + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  if (roots != 1) return "no root element";
  return "";
}

}  // namespace finch::testing
