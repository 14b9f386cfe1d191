//===- TraceImport.cpp - JSON trace -> enigma IR --------------------------===//
//
// A generic importer: every op of the trace is built by name through an OperationState from
// MLIR textual types and attributes, so new dialect ops need no importer change. The JSON shape
// is validated field by field (never trusting the producer) and every problem becomes a
// diagnostic at the Python location of the op it concerns.
//
//===----------------------------------------------------------------------===//

#include "enigma/Target/Trace/TraceImport.h"

#include "TraceJSON.h"

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"
#include "enigma/InitAll.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::enigma;
namespace json = mlir::enigma::tracejson;

namespace {

/// Describes the trace element a diagnostic is about; only called when one is emitted.
using Describe = llvm::function_ref<std::string()>;

/// The MLIR element type spelled `mlir` in scalar_types.def (f32, f16, bf16, iN).
Type scalarType(StringRef mlir, Builder &b) {
  if (mlir == "f32")
    return b.getF32Type();
  if (mlir == "f16")
    return b.getF16Type();
  if (mlir == "bf16")
    return b.getBF16Type();
  unsigned bits = 0;
  if (mlir.consume_front("i") && !mlir.getAsInteger(10, bits))
    return b.getIntegerType(bits);
  return Type();
}

/// Maps a Python dtype name of the trace to its (signless) MLIR element type, by the table the
/// Python package uses too (python/enigma/scalar_types.def).
Type dtypeToType(StringRef dtype, MLIRContext *ctx) {
  Builder b(ctx);
#define ENIGMA_SCALAR_TYPE(name, mlir, msl, bits, kind, numpy)                                     \
  if (dtype == #name)                                                                              \
    return scalarType(#mlir, b);
#include "../../../python/enigma/scalar_types.def"
#undef ENIGMA_SCALAR_TYPE
  return Type();
}

/// The dtype names of the trace format, for messages: "f32, f16, ...".
std::string dtypeNames() {
  std::string names;
#define ENIGMA_SCALAR_TYPE(name, mlir, msl, bits, kind, numpy)                                     \
  names += names.empty() ? #name : ", " #name;
#include "../../../python/enigma/scalar_types.def"
#undef ENIGMA_SCALAR_TYPE
  return names;
}

class TraceImporter {
public:
  TraceImporter(MLIRContext *ctx, StringRef bufferName)
      : ctx(ctx), builder(ctx),
        traceLoc(FileLineColLoc::get(ctx, bufferName.empty() ? "<trace>" : bufferName, 0, 0)) {}

  OwningOpRef<ModuleOp> import(StringRef text);

private:
  /// Parses `{"file": s, "line": n, "col": n}`; reports at `parent` when malformed.
  FailureOr<Location> parseLoc(const json::Value *value, Location parent, Describe what);
  /// Parses a type written in MLIR syntax, re-emitting parser errors at `loc`.
  FailureOr<Type> parseTypeAt(StringRef text, Location loc, Describe what);
  FailureOr<Attribute> parseAttrAt(StringRef text, Location loc, Describe what);
  /// Defines value `id`; an id may be defined once per trace.
  LogicalResult define(int64_t id, Value value, Location loc, Describe what);
  /// Reads a non-negative integer id.
  FailureOr<int64_t> parseId(const json::Value *value, Location loc, Describe what);
  /// Appends the ops of `ops` to `block`.
  LogicalResult importOps(const json::Array &ops, Block *block, Location parent);
  LogicalResult importOp(const json::Value &value, unsigned index, Block *block, Location parent);
  /// Creates the block of a region from `{"args": [...], "ops": [...]}`.
  LogicalResult importRegion(const json::Value &value, unsigned index, Region &region,
                             Operation *owner);
  FailureOr<KernelOp> importKernel(const json::Object &root, ModuleOp module);

  /// A location for value `name` defined at `loc` (the MSL emitter takes names from NameLocs).
  Location nameLoc(StringRef name, Location loc) {
    if (name.empty())
      return loc;
    return NameLoc::get(builder.getStringAttr(name), loc);
  }

  MLIRContext *ctx;
  Builder builder;
  Location traceLoc;
  llvm::DenseMap<int64_t, Value> values;
  llvm::StringMap<Type> typeCache;
  llvm::StringMap<Attribute> attrCache;
};

} // namespace

FailureOr<Location> TraceImporter::parseLoc(const json::Value *value, Location parent,
                                            Describe what) {
  if (!value)
    return emitError(parent) << "invalid trace: " << what() << " has no 'loc'", failure();
  const json::Object *obj = value->getAsObject();
  std::optional<StringRef> file = obj ? obj->getString("file") : std::nullopt;
  std::optional<int64_t> line = obj ? obj->getInteger("line") : std::nullopt;
  std::optional<int64_t> col = obj ? obj->getInteger("col") : std::nullopt;
  if (!file || !line || !col || *line < 0 || *col < 0 || *line > UINT32_MAX || *col > UINT32_MAX)
    return emitError(parent) << "invalid trace: 'loc' of " << what()
                             << " must be {\"file\": string, \"line\": int, \"col\": int}",
           failure();
  return Location(FileLineColLoc::get(ctx, *file, *line, *col));
}

/// Parses `text` with `parse` (mlir::parseType or mlir::parseAttribute) through `cache`; a
/// failure is reported at `loc` with the parser's own message.
template <typename T, typename Parse>
static FailureOr<T> parseCachedAt(MLIRContext *ctx, llvm::StringMap<T> &cache, StringRef text,
                                  Location loc, StringRef kind, function_ref<std::string()> what,
                                  Parse parse) {
  auto it = cache.find(text);
  if (it != cache.end())
    return it->second;
  std::string message;
  T parsed;
  {
    ScopedDiagnosticHandler capture(ctx, [&](Diagnostic &diag) {
      if (message.empty())
        message = diag.str();
      return success();
    });
    parsed = parse(text, ctx);
  }
  if (!parsed)
    return emitError(loc) << "invalid trace: cannot parse " << kind << " '" << text << "' of "
                          << what() << ": " << message,
           failure();
  cache[text] = parsed;
  return parsed;
}

FailureOr<Type> TraceImporter::parseTypeAt(StringRef text, Location loc, Describe what) {
  return parseCachedAt<Type>(ctx, typeCache, text, loc, "type", what,
                             [](StringRef t, MLIRContext *c) { return mlir::parseType(t, c); });
}

FailureOr<Attribute> TraceImporter::parseAttrAt(StringRef text, Location loc, Describe what) {
  return parseCachedAt<Attribute>(
      ctx, attrCache, text, loc, "attribute", what,
      [](StringRef t, MLIRContext *c) { return mlir::parseAttribute(t, c); });
}

LogicalResult TraceImporter::define(int64_t id, Value value, Location loc, Describe what) {
  auto [it, inserted] = values.try_emplace(id, value);
  if (!inserted)
    return emitError(loc) << "invalid trace: value id " << id << " (" << what()
                          << ") is defined twice";
  return success();
}

/// Value ids are in [0, 2^53).
static constexpr int64_t kMaxValueId = int64_t(1) << 53;

FailureOr<int64_t> TraceImporter::parseId(const json::Value *value, Location loc, Describe what) {
  std::optional<int64_t> id = value ? value->getAsInteger() : std::nullopt;
  if (!id || *id < 0)
    return emitError(loc) << "invalid trace: " << what() << " must be a non-negative integer id",
           failure();
  // Ids key a DenseMap<int64_t>, whose largest values are reserved (empty/tombstone keys), and
  // Python writes them as JSON numbers: only exactly representable doubles are accepted.
  if (*id >= kMaxValueId)
    return emitError(loc) << "invalid trace: " << what() << " is " << *id
                          << ", outside the id range [0, 2^53)",
           failure();
  return *id;
}

LogicalResult TraceImporter::importOps(const json::Array &ops, Block *block, Location parent) {
  for (auto [index, op] : llvm::enumerate(ops))
    if (failed(importOp(op, index, block, parent)))
      return failure();
  return success();
}

LogicalResult TraceImporter::importOp(const json::Value &value, unsigned index, Block *block,
                                      Location parent) {
  const json::Object *obj = value.getAsObject();
  if (!obj)
    return emitError(parent) << "invalid trace: op #" << index << " must be a JSON object";
  std::optional<StringRef> name = obj->getString("op");
  if (!name)
    return emitError(parent) << "invalid trace: op #" << index
                             << " has no 'op' string (the operation name)";
  // Built only when a diagnostic needs it: importing large traces must not allocate per op.
  auto what = [&]() { return ("op #" + Twine(index) + " ('" + *name + "')").str(); };
  FailureOr<Location> fileLoc = parseLoc(obj->get("loc"), parent, what);
  if (failed(fileLoc))
    return failure();
  Location loc = *fileLoc;

  // Resolve the operation, loading its dialect from the context's registry on demand.
  auto [dialectName, opName] = name->split('.');
  if (opName.empty() || !ctx->getOrLoadDialect(dialectName))
    return emitError(loc) << "invalid trace: unknown operation '" << *name << "'";
  std::optional<RegisteredOperationName> opInfo = RegisteredOperationName::lookup(*name, ctx);
  if (!opInfo)
    return emitError(loc) << "invalid trace: unknown operation '" << *name << "'";
  if (*name == KernelOp::getOperationName() || *name == ModuleOp::getOperationName())
    return emitError(loc) << "invalid trace: '" << *name
                          << "' cannot appear in a kernel body (the trace describes one kernel)";

  // Check that every key is one the format defines: a misspelt key must not be ignored.
  for (const auto &kv : *obj) {
    StringRef key = kv.first;
    if (!llvm::is_contained({"op", "operands", "results", "attrs", "regions", "loc"}, key))
      return emitError(loc) << "invalid trace: " << what() << " has unknown field '" << key << "'";
  }

  OperationState state(loc, *opInfo);

  if (const json::Value *operandsValue = obj->get("operands")) {
    const json::Array *operands = operandsValue->getAsArray();
    if (!operands)
      return emitError(loc) << "invalid trace: 'operands' of " << what()
                            << " must be an array of value ids";
    for (auto [i, operand] : llvm::enumerate(*operands)) {
      FailureOr<int64_t> id =
          parseId(&operand, loc, [&] { return ("operand #" + Twine(i) + " of " + what()).str(); });
      if (failed(id))
        return failure();
      auto it = values.find(*id);
      if (it == values.end())
        return emitError(loc) << "invalid trace: operand #" << i << " of " << what()
                              << " uses value id " << *id << ", which is not defined before it";
      state.operands.push_back(it->second);
    }
  }

  SmallVector<std::pair<int64_t, StringRef>> resultIds;
  StringRef firstName;
  if (const json::Value *resultsValue = obj->get("results")) {
    const json::Array *results = resultsValue->getAsArray();
    if (!results)
      return emitError(loc) << "invalid trace: 'results' of " << what() << " must be an array";
    for (auto [i, result] : llvm::enumerate(*results)) {
      const json::Object *res = result.getAsObject();
      auto resWhat = [&, i = i]() { return ("result #" + Twine(i) + " of " + what()).str(); };
      if (!res)
        return emitError(loc) << "invalid trace: " << resWhat()
                              << " must be an object {\"id\", \"type\"[, \"name\"]}";
      FailureOr<int64_t> id = parseId(res->get("id"), loc, [&] { return "'id' of " + resWhat(); });
      if (failed(id))
        return failure();
      std::optional<StringRef> typeText = res->getString("type");
      if (!typeText)
        return emitError(loc) << "invalid trace: " << resWhat() << " has no 'type' string";
      FailureOr<Type> type = parseTypeAt(*typeText, loc, resWhat);
      if (failed(type))
        return failure();
      StringRef resName;
      if (const json::Value *n = res->get("name")) {
        std::optional<StringRef> s = n->getAsString();
        if (!s)
          return emitError(loc) << "invalid trace: 'name' of " << resWhat() << " must be a string";
        resName = *s;
      }
      if (firstName.empty())
        firstName = resName;
      state.types.push_back(*type);
      resultIds.emplace_back(*id, resName);
    }
  }

  if (const json::Value *attrsValue = obj->get("attrs")) {
    const json::Object *attrs = attrsValue->getAsObject();
    if (!attrs)
      return emitError(loc) << "invalid trace: 'attrs' of " << what()
                            << " must be an object mapping names to MLIR attribute text";
    // json::Object is unordered; sort so the IR is deterministic.
    SmallVector<StringRef> keys;
    for (const auto &kv : *attrs)
      keys.push_back(kv.first);
    llvm::sort(keys);
    for (StringRef key : keys) {
      std::optional<StringRef> text = attrs->getString(key);
      if (!text)
        return emitError(loc) << "invalid trace: attribute '" << key << "' of " << what()
                              << " must be a string in MLIR attribute syntax";
      FailureOr<Attribute> attr =
          parseAttrAt(*text, loc, [&] { return ("attribute '" + key + "' of " + what()).str(); });
      if (failed(attr))
        return failure();
      state.addAttribute(key, *attr);
    }
  }

  const json::Array *regions = nullptr;
  if (const json::Value *regionsValue = obj->get("regions")) {
    regions = regionsValue->getAsArray();
    if (!regions)
      return emitError(loc) << "invalid trace: 'regions' of " << what() << " must be an array";
    for (size_t i = 0, e = regions->size(); i < e; ++i)
      state.addRegion();
  }

  state.location = nameLoc(firstName, loc);
  Operation *op = Operation::create(state);
  block->push_back(op);
  for (auto [i, result] : llvm::enumerate(resultIds))
    if (failed(define(result.first, op->getResult(i), loc,
                      [&, i = i] { return ("result #" + Twine(i) + " of " + what()).str(); })))
      return failure();
  if (regions)
    for (auto [i, region] : llvm::enumerate(*regions))
      if (failed(importRegion(region, i, op->getRegion(i), op)))
        return failure();
  return success();
}

LogicalResult TraceImporter::importRegion(const json::Value &value, unsigned index, Region &region,
                                          Operation *owner) {
  Location loc = owner->getLoc();
  if (auto named = dyn_cast<NameLoc>(loc))
    loc = named.getChildLoc();
  auto what = [&] {
    return ("region #" + Twine(index) + " of '" + owner->getName().getStringRef() + "'").str();
  };
  const json::Object *obj = value.getAsObject();
  if (!obj)
    return emitError(loc) << "invalid trace: " << what()
                          << " must be an object {\"args\": [...], \"ops\": [...]}";
  for (const auto &kv : *obj)
    if (kv.first != "args" && kv.first != "ops")
      return emitError(loc) << "invalid trace: " << what() << " has unknown field '"
                            << StringRef(kv.first) << "'";
  const json::Value *argsValue = obj->get("args");
  const json::Value *opsValue = obj->get("ops");
  // `{}` is an empty region (e.g. the absent else of an scf.if).
  if (!argsValue && !opsValue)
    return success();
  const json::Array *args = argsValue ? argsValue->getAsArray() : nullptr;
  const json::Array *ops = opsValue ? opsValue->getAsArray() : nullptr;
  if ((argsValue && !args) || !ops)
    return emitError(loc) << "invalid trace: " << what()
                          << " needs an 'ops' array (and optionally an 'args' array)";

  Block *block = new Block();
  region.push_back(block);
  if (args) {
    for (auto [i, arg] : llvm::enumerate(*args)) {
      auto argWhat = [&, i = i] { return ("argument #" + Twine(i) + " of " + what()).str(); };
      const json::Object *argObj = arg.getAsObject();
      if (!argObj)
        return emitError(loc) << "invalid trace: " << argWhat()
                              << " must be an object {\"id\", \"type\"[, \"name\"]}";
      FailureOr<int64_t> id =
          parseId(argObj->get("id"), loc, [&] { return "'id' of " + argWhat(); });
      if (failed(id))
        return failure();
      std::optional<StringRef> typeText = argObj->getString("type");
      if (!typeText)
        return emitError(loc) << "invalid trace: " << argWhat() << " has no 'type' string";
      FailureOr<Type> type = parseTypeAt(*typeText, loc, argWhat);
      if (failed(type))
        return failure();
      StringRef argName;
      if (const json::Value *n = argObj->get("name")) {
        std::optional<StringRef> s = n->getAsString();
        if (!s)
          return emitError(loc) << "invalid trace: 'name' of " << argWhat() << " must be a string";
        argName = *s;
      }
      BlockArgument blockArg = block->addArgument(*type, nameLoc(argName, loc));
      if (failed(define(*id, blockArg, loc, argWhat)))
        return failure();
    }
  }
  return importOps(*ops, block, loc);
}

FailureOr<KernelOp> TraceImporter::importKernel(const json::Object &root, ModuleOp module) {
  std::optional<StringRef> name = root.getString("kernel");
  if (!name || name->empty())
    return emitError(traceLoc) << "invalid trace: missing 'kernel' (the kernel name string)",
           failure();
  FailureOr<Location> kernelLoc =
      parseLoc(root.get("loc"), traceLoc, [&] { return ("kernel '" + *name + "'").str(); });
  if (failed(kernelLoc))
    return failure();
  Location loc = *kernelLoc;
  module->setLoc(loc);

  const json::Value *paramsValue = root.get("params");
  const json::Array *params = paramsValue ? paramsValue->getAsArray() : nullptr;
  if (!params)
    return emitError(loc) << "invalid trace: missing 'params' array", failure();

  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  SmallVector<std::pair<int64_t, Location>> argIds;
  for (auto [i, param] : llvm::enumerate(*params)) {
    const json::Object *p = param.getAsObject();
    std::string whatText = ("parameter #" + Twine(i)).str();
    auto what = [&] { return whatText; };
    if (!p)
      return emitError(loc) << "invalid trace: " << what() << " must be a JSON object", failure();
    std::optional<StringRef> pname = p->getString("name");
    if (!pname || pname->empty())
      return emitError(loc) << "invalid trace: " << what() << " has no 'name' string", failure();
    whatText = ("parameter #" + Twine(i) + " ('" + *pname + "')").str();
    Location ploc = loc;
    if (p->get("loc")) {
      FailureOr<Location> l = parseLoc(p->get("loc"), loc, what);
      if (failed(l))
        return failure();
      ploc = *l;
    }
    for (const auto &kv : *p) {
      StringRef key = kv.first;
      if (!llvm::is_contained(
              {"id", "name", "index", "kind", "dtype", "type", "access", "layout", "loc"}, key))
        return emitError(ploc) << "invalid trace: " << what() << " has unknown field '" << key
                               << "'",
               failure();
    }
    FailureOr<int64_t> id = parseId(p->get("id"), ploc, [&] { return "'id' of " + what(); });
    if (failed(id))
      return failure();
    std::optional<int64_t> index = p->getInteger("index");
    if (!index)
      return emitError(ploc) << "invalid trace: " << what()
                             << " has no integer 'index' (its [[buffer(N)]] slot)",
             failure();
    if (*index < 0 || *index > 30)
      return emitError(ploc) << "invalid trace: buffer index " << *index << " of " << what()
                             << " is outside Metal's range [0, 30]",
             failure();
    std::optional<StringRef> kind = p->getString("kind");
    if (!kind || (*kind != "buffer" && *kind != "scalar"))
      return emitError(ploc) << "invalid trace: 'kind' of " << what()
                             << " must be \"buffer\" or \"scalar\"",
             failure();
    bool isScalar = *kind == "scalar";
    std::optional<StringRef> dtype = p->getString("dtype");
    Type elementType = dtype ? dtypeToType(*dtype, ctx) : Type();
    if (!elementType)
      return emitError(ploc) << "invalid trace: 'dtype' of " << what()
                             << " must be one of " << dtypeNames(),
             failure();
    Type type;
    if (const json::Value *typeValue = p->get("type")) {
      std::optional<StringRef> text = typeValue->getAsString();
      if (!text)
        return emitError(ploc) << "invalid trace: 'type' of " << what() << " must be a string",
               failure();
      FailureOr<Type> parsed = parseTypeAt(*text, ploc, what);
      if (failed(parsed))
        return failure();
      type = *parsed;
      Type actualElement = type;
      if (auto shaped = dyn_cast<ShapedType>(type))
        actualElement = shaped.getElementType();
      if (actualElement != elementType)
        return emitError(ploc) << "invalid trace: type " << type << " of " << what()
                               << " does not hold its dtype '" << *dtype << "'",
               failure();
    } else if (isScalar) {
      type = elementType;
    } else {
      type = MemRefType::get({ShapedType::kDynamic}, elementType, MemRefLayoutAttrInterface(),
                             AddressSpaceAttr::get(ctx, AddressSpace::Device));
    }

    NamedAttrList attrs;
    attrs.append(KernelOp::kBufferIndexAttr, builder.getI32IntegerAttr(*index));
    // Signed dtypes make Metal-signed parameters (`device int*`, `constant char&`). Integers
    // of vector type (a `type` such as vector<4xi32>) keep the unsigned spelling.
    Type heldElement = type;
    if (auto memref = dyn_cast<MemRefType>(type))
      heldElement = memref.getElementType();
    if (llvm::is_contained({"i8", "i16", "i32", "i64"}, *dtype) && isa<IntegerType>(heldElement))
      attrs.append(KernelOp::kSignedAttr, builder.getUnitAttr());
    if (isScalar) {
      attrs.append(KernelOp::kScalarAttr, builder.getUnitAttr());
      if (p->get("access"))
        return emitError(ploc) << "invalid trace: scalar " << what() << " cannot have an 'access'",
               failure();
    } else if (const json::Value *accessValue = p->get("access")) {
      std::optional<StringRef> access = accessValue->getAsString();
      std::optional<Access> parsed = access ? symbolizeAccess(*access) : std::optional<Access>();
      if (!parsed)
        return emitError(ploc) << "invalid trace: 'access' of " << what()
                               << " must be \"read\", \"write\" or \"read_write\"",
               failure();
      attrs.append(KernelOp::kAccessAttr, AccessAttr::get(ctx, *parsed));
    }
    if (const json::Value *layout = p->get("layout"))
      if (!layout->isNull() && !layout->getAsString())
        return emitError(ploc) << "invalid trace: 'layout' of " << what()
                               << " must be a CuTe layout string or null",
               failure();
    argTypes.push_back(type);
    argAttrs.push_back(attrs.getDictionary(ctx));
    argIds.emplace_back(*id, nameLoc(*pname, ploc));
  }

  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto kernel = KernelOp::create(b, loc, *name, b.getFunctionType(argTypes, {}), argAttrs);
  if (const json::Value *attrsValue = root.get("attrs")) {
    const json::Object *attrs = attrsValue->getAsObject();
    if (!attrs)
      return emitError(loc) << "invalid trace: kernel 'attrs' must be an object", failure();
    for (const auto &kv : *attrs) {
      std::optional<StringRef> text = kv.second.getAsString();
      if (!text)
        return emitError(loc) << "invalid trace: kernel attribute '" << StringRef(kv.first)
                              << "' must be a string in MLIR attribute syntax",
               failure();
      FailureOr<Attribute> attr = parseAttrAt(
          *text, loc, [&] { return ("kernel attribute '" + StringRef(kv.first) + "'").str(); });
      if (failed(attr))
        return failure();
      kernel->setAttr(StringRef(kv.first), *attr);
    }
  }

  Block *body = new Block();
  kernel.getBody().push_back(body);
  for (auto [i, arg] : llvm::enumerate(argIds)) {
    BlockArgument blockArg = body->addArgument(argTypes[i], arg.second);
    if (failed(define(arg.first, blockArg, arg.second,
                      [&, i = i] { return ("parameter #" + Twine(i)).str(); })))
      return failure();
  }
  const json::Value *opsValue = root.get("ops");
  const json::Array *ops = opsValue ? opsValue->getAsArray() : nullptr;
  if (!ops)
    return emitError(loc) << "invalid trace: missing 'ops' array (the kernel body)", failure();
  if (failed(importOps(*ops, body, loc)))
    return failure();
  return kernel;
}

OwningOpRef<ModuleOp> TraceImporter::import(StringRef text) {
  json::Document doc;
  std::string parseError;
  if (!doc.parse(text, parseError)) {
    emitError(traceLoc) << "invalid trace: malformed JSON at " << parseError;
    return nullptr;
  }
  const json::Value *parsed = &doc.getRoot();
  const json::Object *root = parsed->getAsObject();
  if (!root) {
    emitError(traceLoc) << "invalid trace: the top level must be a JSON object";
    return nullptr;
  }
  std::optional<StringRef> format = root->getString("format");
  if (!format || *format != "enigma-trace") {
    emitError(traceLoc) << "invalid trace: missing \"format\": \"enigma-trace\"";
    return nullptr;
  }
  std::optional<int64_t> version = root->getInteger("version");
  if (!version) {
    emitError(traceLoc) << "invalid trace: missing integer 'version'";
    return nullptr;
  }
  if (*version != kTraceFormatVersion) {
    emitError(traceLoc) << "unsupported trace version " << *version << " (this Enigma reads "
                        << "version " << kTraceFormatVersion << ")";
    return nullptr;
  }
  for (const auto &kv : *root) {
    StringRef key = kv.first;
    if (!llvm::is_contained(
            {"format", "version", "kernel", "loc", "params", "attrs", "ops", "producer"}, key)) {
      emitError(traceLoc) << "invalid trace: unknown top-level field '" << key << "'";
      return nullptr;
    }
  }

  // Types like memref<..., #enigma.address_space<...>> need their dialects before any op does.
  ctx->getOrLoadDialect<EnigmaDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(traceLoc);
  if (failed(importKernel(*root, *module)))
    return nullptr;
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> mlir::enigma::importTrace(StringRef json, MLIRContext *ctx,
                                                StringRef bufferName) {
  return TraceImporter(ctx, bufferName).import(json);
}

void mlir::enigma::registerImportTraceTranslation() {
  static TranslateToMLIRRegistration registration(
      "import-trace", "import an Enigma JSON trace (docs/trace-format.md)",
      TranslateRawSourceMgrToMLIRFunction(
          [](llvm::SourceMgr &sourceMgr, MLIRContext *ctx) -> OwningOpRef<Operation *> {
            const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
            OwningOpRef<ModuleOp> module =
                importTrace(buffer->getBuffer(), ctx, buffer->getBufferIdentifier());
            return OwningOpRef<Operation *>(module.release());
          }),
      [](DialectRegistry &registry) { registerAllDialects(registry); });
}
