//===- TraceJSON.h - A small arena JSON reader for traces -------*- C++ -*-===//
//
// llvm::json builds a DenseMap per object (each allocating dozens of buckets), which makes a
// 10,000-op trace (~100,000 JSON objects) take hundreds of milliseconds to parse. Traces only
// need read access to small objects, so this reader stores everything in one bump allocator:
// objects are arrays of (key, value) members searched linearly, strings without escapes point
// into the input. It accepts exactly RFC 8259 JSON and reports errors with line and column.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_LIB_TARGET_TRACE_TRACEJSON_H
#define ENIGMA_LIB_TARGET_TRACE_TRACEJSON_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Allocator.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace enigma {
namespace tracejson {

struct Member;
class Object;
class Value;
/// The elements of a JSON array.
using Array = llvm::ArrayRef<Value>;

/// A JSON value. Trivially copyable; the memory it refers to lives in a Document.
class Value {
public:
  enum class Kind : uint8_t { Null, Bool, Integer, Double, String, Array, Object };

  Kind getKind() const { return kind; }
  bool isNull() const { return kind == Kind::Null; }

  std::optional<bool> getAsBoolean() const {
    return kind == Kind::Bool ? std::optional<bool>(boolean) : std::nullopt;
  }
  /// Integers that fit int64_t (written without fraction or exponent).
  std::optional<int64_t> getAsInteger() const {
    return kind == Kind::Integer ? std::optional<int64_t>(integer) : std::nullopt;
  }
  std::optional<llvm::StringRef> getAsString() const {
    return kind == Kind::String ? std::optional<llvm::StringRef>(llvm::StringRef(chars, size))
                                : std::nullopt;
  }
  /// The elements of an array, or null.
  const llvm::ArrayRef<Value> *getAsArray() const;
  /// The members of an object, or null.
  const Object *getAsObject() const;

private:
  friend class Parser;
  Kind kind = Kind::Null;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  const char *chars = nullptr;
  size_t size = 0;
  // Arrays and objects keep a view of their children here so that getAsArray/getAsObject can
  // return pointers into the value itself.
  llvm::ArrayRef<Value> elements;
  const Object *object = nullptr;
};

struct Member {
  llvm::StringRef first;
  Value second;
};

/// A JSON object: its members in input order (keys are unique).
class Object {
public:
  explicit Object(llvm::ArrayRef<Member> members) : members(members) {}
  const Value *get(llvm::StringRef key) const {
    for (const Member &m : members)
      if (m.first == key)
        return &m.second;
    return nullptr;
  }
  std::optional<llvm::StringRef> getString(llvm::StringRef key) const {
    const Value *v = get(key);
    return v ? v->getAsString() : std::nullopt;
  }
  std::optional<int64_t> getInteger(llvm::StringRef key) const {
    const Value *v = get(key);
    return v ? v->getAsInteger() : std::nullopt;
  }
  const Member *begin() const { return members.begin(); }
  const Member *end() const { return members.end(); }
  size_t size() const { return members.size(); }

private:
  llvm::ArrayRef<Member> members;
};

inline const llvm::ArrayRef<Value> *Value::getAsArray() const {
  return kind == Kind::Array ? &elements : nullptr;
}
inline const Object *Value::getAsObject() const { return kind == Kind::Object ? object : nullptr; }

/// Owns the memory of a parsed document. `text` must outlive it (unescaped strings point
/// into it).
class Document {
public:
  /// Parses `text`. On failure returns false and sets `error` to `line:col: message`
  /// (1-based).
  bool parse(llvm::StringRef text, std::string &error);
  const Value &getRoot() const { return root; }

private:
  llvm::BumpPtrAllocator arena;
  Value root;
};

} // namespace tracejson
} // namespace enigma
} // namespace mlir

#endif // ENIGMA_LIB_TARGET_TRACE_TRACEJSON_H
