// Status and StatusOr: how every fallible call in finch reports failure.
//
// Library code never aborts on anything a model file or an input can cause; it returns a Status
// whose message names the node, op, input and the values at fault. Kernels return void: their
// preconditions are checked once, when the plan is built.
#pragma once

#include <cassert>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace finch {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the model or an input is malformed
  kUnimplemented,    // well-formed, but finch does not support it (op, type, attribute value)
  kNotFound,         // a file or a named value does not exist
  kIoError,          // reading or writing a file failed
  kResourceExhausted,
  kInternal,         // a bug in finch
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Unimplemented: Conv \"c1\": ..." — for printing.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Concatenates anything that has an operator<< into a string.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

template <typename... Args>
Status InvalidArgument(const Args&... args) {
  return Status(StatusCode::kInvalidArgument, StrCat(args...));
}
template <typename... Args>
Status Unimplemented(const Args&... args) {
  return Status(StatusCode::kUnimplemented, StrCat(args...));
}
template <typename... Args>
Status NotFound(const Args&... args) {
  return Status(StatusCode::kNotFound, StrCat(args...));
}
template <typename... Args>
Status IoError(const Args&... args) {
  return Status(StatusCode::kIoError, StrCat(args...));
}
template <typename... Args>
Status ResourceExhausted(const Args&... args) {
  return Status(StatusCode::kResourceExhausted, StrCat(args...));
}
template <typename... Args>
Status Internal(const Args&... args) {
  return Status(StatusCode::kInternal, StrCat(args...));
}

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "StatusOr built from an OK status carries no value");
    if (status_.ok()) status_ = Internal("StatusOr built from an OK status");
  }
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace finch

#define FINCH_CONCAT_INNER_(a, b) a##b
#define FINCH_CONCAT_(a, b) FINCH_CONCAT_INNER_(a, b)

#define FINCH_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::finch::Status finch_status_ = (expr);         \
    if (!finch_status_.ok()) return finch_status_;  \
  } while (0)

#define FINCH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

// FINCH_ASSIGN_OR_RETURN(auto x, MaybeX()); returns the error if MaybeX() failed.
// It expands to several statements (it declares `x` in the enclosing scope), so under an `if`
// or a loop it needs braces.
#define FINCH_ASSIGN_OR_RETURN(lhs, expr) \
  FINCH_ASSIGN_OR_RETURN_IMPL_(FINCH_CONCAT_(finch_statusor_, __LINE__), lhs, expr)
