//===- TraceJSON.cpp - A small arena JSON reader for traces ---------------===//

#include "TraceJSON.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/ConvertUTF.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

using namespace mlir::enigma::tracejson;

namespace mlir {
namespace enigma {
namespace tracejson {

/// Recursive descent over the input; nesting is bounded so hostile input cannot overflow the
/// stack.
class Parser {
public:
  Parser(llvm::StringRef text, llvm::BumpPtrAllocator &arena)
      : start(text.begin()), pos(text.begin()), end(text.end()), arena(arena) {}

  bool parseDocument(Value &out) {
    skipSpace();
    if (!parseValue(out, 0))
      return false;
    skipSpace();
    if (pos != end)
      return fail("unexpected text after the JSON value");
    return true;
  }

  std::string message;
  const char *errorPos = nullptr;

private:
  static constexpr unsigned kMaxDepth = 256;

  bool fail(const char *msg) {
    if (!errorPos) {
      errorPos = pos;
      message = msg;
    }
    return false;
  }

  void skipSpace() {
    while (pos != end && (*pos == ' ' || *pos == '\n' || *pos == '\r' || *pos == '\t'))
      ++pos;
  }

  bool parseValue(Value &out, unsigned depth) {
    if (pos == end)
      return fail("unexpected end of input, expected a value");
    switch (*pos) {
    case '{':
      return parseObject(out, depth);
    case '[':
      return parseArray(out, depth);
    case '"': {
      llvm::StringRef s;
      if (!parseString(s))
        return false;
      out.kind = Value::Kind::String;
      out.chars = s.data();
      out.size = s.size();
      return true;
    }
    case 't':
      return parseKeyword("true", out, Value::Kind::Bool, true);
    case 'f':
      return parseKeyword("false", out, Value::Kind::Bool, false);
    case 'n':
      return parseKeyword("null", out, Value::Kind::Null, false);
    default:
      if (*pos == '-' || (*pos >= '0' && *pos <= '9'))
        return parseNumber(out);
      return fail("expected a JSON value");
    }
  }

  bool parseKeyword(llvm::StringRef word, Value &out, Value::Kind kind, bool b) {
    if (static_cast<size_t>(end - pos) < word.size() || llvm::StringRef(pos, word.size()) != word)
      return fail("invalid literal (expected true, false or null)");
    pos += word.size();
    out.kind = kind;
    out.boolean = b;
    return true;
  }

  bool parseNumber(Value &out) {
    const char *first = pos;
    if (*pos == '-')
      ++pos;
    if (pos == end || !(*pos >= '0' && *pos <= '9'))
      return fail("invalid number");
    if (*pos == '0') {
      ++pos;
    } else {
      while (pos != end && *pos >= '0' && *pos <= '9')
        ++pos;
    }
    bool isInteger = true;
    if (pos != end && *pos == '.') {
      isInteger = false;
      ++pos;
      if (pos == end || !(*pos >= '0' && *pos <= '9'))
        return fail("invalid number: digits expected after '.'");
      while (pos != end && *pos >= '0' && *pos <= '9')
        ++pos;
    }
    if (pos != end && (*pos == 'e' || *pos == 'E')) {
      isInteger = false;
      ++pos;
      if (pos != end && (*pos == '+' || *pos == '-'))
        ++pos;
      if (pos == end || !(*pos >= '0' && *pos <= '9'))
        return fail("invalid number: digits expected in the exponent");
      while (pos != end && *pos >= '0' && *pos <= '9')
        ++pos;
    }
    std::string text(first, pos);
    if (isInteger) {
      errno = 0;
      char *stop = nullptr;
      long long v = std::strtoll(text.c_str(), &stop, 10);
      if (errno == 0 && stop == text.c_str() + text.size()) {
        out.kind = Value::Kind::Integer;
        out.integer = v;
        return true;
      }
      // Out of int64_t range: keep it as a double, as JSON readers do.
    }
    out.kind = Value::Kind::Double;
    out.number = std::strtod(text.c_str(), nullptr);
    return true;
  }

  static int hexDigit(char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  }

  bool parseHex4(unsigned &code) {
    if (end - pos < 4)
      return fail("invalid \\u escape");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      int d = hexDigit(pos[i]);
      if (d < 0)
        return fail("invalid \\u escape");
      code = code * 16 + d;
    }
    pos += 4;
    return true;
  }

  /// Skips the UTF-8 sequence starting at `pos` (a byte >= 0x80); fails on an invalid one
  /// (bad lead or continuation byte, truncated, overlong, surrogate, above U+10FFFF).
  bool skipUTF8() {
    auto *src = reinterpret_cast<const llvm::UTF8 *>(pos);
    auto *srcEnd = reinterpret_cast<const llvm::UTF8 *>(end);
    unsigned len = llvm::getNumBytesForUTF8(*src);
    if (len < 2 || len > 4 || end - pos < static_cast<std::ptrdiff_t>(len) ||
        !llvm::isLegalUTF8Sequence(src, srcEnd))
      return fail("invalid UTF-8 in a string");
    pos += len;
    return true;
  }

  /// Parses a string at `pos` (on the opening quote). Strings without escapes are returned as
  /// views of the input; others are decoded into the arena.
  bool parseString(llvm::StringRef &out) {
    ++pos; // opening quote
    const char *first = pos;
    while (pos != end && *pos != '"' && *pos != '\\') {
      unsigned char c = static_cast<unsigned char>(*pos);
      if (c < 0x20)
        return fail("control character in a string");
      if (c >= 0x80) {
        if (!skipUTF8())
          return false;
        continue;
      }
      ++pos;
    }
    if (pos == end)
      return fail("unterminated string");
    if (*pos == '"') {
      out = llvm::StringRef(first, pos - first);
      ++pos;
      return true;
    }
    std::string decoded(first, pos);
    while (true) {
      if (pos == end)
        return fail("unterminated string");
      char c = *pos;
      if (c == '"') {
        ++pos;
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character in a string");
      if (static_cast<unsigned char>(c) >= 0x80) {
        const char *start = pos;
        if (!skipUTF8())
          return false;
        decoded.append(start, pos);
        continue;
      }
      if (c != '\\') {
        decoded.push_back(c);
        ++pos;
        continue;
      }
      ++pos;
      if (pos == end)
        return fail("unterminated string");
      char e = *pos++;
      switch (e) {
      case '"':
        decoded.push_back('"');
        break;
      case '\\':
        decoded.push_back('\\');
        break;
      case '/':
        decoded.push_back('/');
        break;
      case 'b':
        decoded.push_back('\b');
        break;
      case 'f':
        decoded.push_back('\f');
        break;
      case 'n':
        decoded.push_back('\n');
        break;
      case 'r':
        decoded.push_back('\r');
        break;
      case 't':
        decoded.push_back('\t');
        break;
      case 'u': {
        unsigned code;
        if (!parseHex4(code))
          return false;
        if (code >= 0xD800 && code <= 0xDBFF) {
          unsigned low;
          if (end - pos < 2 || pos[0] != '\\' || pos[1] != 'u')
            return fail("unpaired UTF-16 surrogate in \\u escape");
          pos += 2;
          if (!parseHex4(low))
            return false;
          if (low < 0xDC00 || low > 0xDFFF)
            return fail("unpaired UTF-16 surrogate in \\u escape");
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
          return fail("unpaired UTF-16 surrogate in \\u escape");
        }
        char buf[4];
        char *ptr = buf;
        if (!llvm::ConvertCodePointToUTF8(code, ptr))
          return fail("invalid code point in \\u escape");
        decoded.append(buf, ptr);
        break;
      }
      default:
        --pos;
        return fail("invalid escape sequence in a string");
      }
    }
    char *mem = static_cast<char *>(arena.Allocate(decoded.size() + 1, 1));
    std::memcpy(mem, decoded.data(), decoded.size());
    mem[decoded.size()] = '\0';
    out = llvm::StringRef(mem, decoded.size());
    return true;
  }

  bool parseArray(Value &out, unsigned depth) {
    if (depth >= kMaxDepth)
      return fail("JSON nested too deeply");
    ++pos; // [
    llvm::SmallVector<Value, 8> items;
    skipSpace();
    if (pos != end && *pos == ']') {
      ++pos;
    } else {
      while (true) {
        skipSpace();
        items.emplace_back();
        if (!parseValue(items.back(), depth + 1))
          return false;
        skipSpace();
        if (pos == end)
          return fail("unterminated array, expected ',' or ']'");
        if (*pos == ',') {
          ++pos;
          continue;
        }
        if (*pos == ']') {
          ++pos;
          break;
        }
        return fail("expected ',' or ']' in an array");
      }
    }
    Value *mem = arena.Allocate<Value>(items.size());
    std::uninitialized_copy(items.begin(), items.end(), mem);
    out.kind = Value::Kind::Array;
    out.elements = llvm::ArrayRef<Value>(mem, items.size());
    return true;
  }

  bool parseObject(Value &out, unsigned depth) {
    if (depth >= kMaxDepth)
      return fail("JSON nested too deeply");
    ++pos; // {
    llvm::SmallVector<Member, 8> members;
    skipSpace();
    if (pos != end && *pos == '}') {
      ++pos;
    } else {
      while (true) {
        skipSpace();
        if (pos == end || *pos != '"')
          return fail("expected a string key in an object");
        const char *keyPos = pos;
        llvm::StringRef key;
        if (!parseString(key))
          return false;
        for (const Member &m : members)
          if (m.first == key) {
            pos = keyPos;
            return fail("duplicate key in an object");
          }
        skipSpace();
        if (pos == end || *pos != ':')
          return fail("expected ':' after an object key");
        ++pos;
        skipSpace();
        members.push_back(Member{key, Value()});
        if (!parseValue(members.back().second, depth + 1))
          return false;
        skipSpace();
        if (pos == end)
          return fail("unterminated object, expected ',' or '}'");
        if (*pos == ',') {
          ++pos;
          continue;
        }
        if (*pos == '}') {
          ++pos;
          break;
        }
        return fail("expected ',' or '}' in an object");
      }
    }
    Member *mem = arena.Allocate<Member>(members.size());
    std::uninitialized_copy(members.begin(), members.end(), mem);
    auto *object =
        new (arena.Allocate<Object>()) Object(llvm::ArrayRef<Member>(mem, members.size()));
    out.kind = Value::Kind::Object;
    out.object = object;
    return true;
  }

  const char *start;
  const char *pos;
  const char *end;
  llvm::BumpPtrAllocator &arena;
};

} // namespace tracejson
} // namespace enigma
} // namespace mlir

bool Document::parse(llvm::StringRef text, std::string &error) {
  Parser parser(text, arena);
  if (parser.parseDocument(root))
    return true;
  // 1-based line and column of the error.
  unsigned line = 1, col = 1;
  for (const char *p = text.begin(); p < parser.errorPos && p < text.end(); ++p) {
    if (*p == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  error = std::to_string(line) + ":" + std::to_string(col) + ": " + parser.message;
  return false;
}
