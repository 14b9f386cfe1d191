//===- EmitArith.cpp - arith and math operations as MSL -------------------===//
//
// Integers are held unsigned (TypeMapping.h), so wrapping add/sub/mul/shl and every unsigned
// operation print as plain C operators; signed operations view their operands through the
// signed twin type: `int(a) / int(b)`. Scalars narrower than 32 bits are promoted to uint
// before arithmetic that C++ would otherwise do in (overflowing) int; the declared type of the
// result variable truncates back. Floating-point operations print as the Metal function with
// the same semantics, or as an exact expression when Metal has none (minimumf, compound cmpf
// predicates), scalarized per lane for vectors.
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::enigma;
using namespace mlir::enigma::msl;

using Operands = llvm::ArrayRef<std::string>;

static bool isBool(Type type) { return getElementTypeOrSelf(type).isInteger(1); }

static bool isNarrowScalar(Type type) {
  unsigned width = getIntegerWidth(type);
  return !getNumLanes(type) && (width == 8 || width == 16);
}

/// Promotes narrow unsigned scalars to uint so that C++'s promotion to int cannot overflow.
static std::string promote(const std::string &e, Type type) {
  return isNarrowScalar(type) ? "uint(" + e + ")" : e;
}

/// Signed lanes of a scalarized operation (each lane is a scalar expression).
static std::string signedLane(const std::string &lane, Type type) {
  if (isBool(type))
    return "(-int(" + lane + "))";
  Type elem = getElementTypeOrSelf(type);
  return getSignedTypeName(elem).value_or("int") + "(" + lane + ")";
}

static Type resultType(Operation *op) { return op->getResult(0).getType(); }

LogicalResult msl::printOperation(KernelPrinter &p, arith::ConstantOp constant) {
  if (failed(p.typeName(constant.getType(), constant)))
    return failure();
  std::optional<std::string> literal = formatConstant(constant.getValue(), constant.getType());
  if (!literal)
    return emitUnsupported(constant, "the constant cannot be written exactly in MSL (index "
                                     "constants must fit in 32 bits)");
  p.setConstant(constant.getResult(), *literal);
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, ub::PoisonOp poison) {
  // Any value refines poison; zero is as good as any and deterministic.
  FailureOr<std::string> t = p.typeName(poison.getType(), poison);
  if (failed(t))
    return failure();
  if (llvm::isa<SimdgroupMatrixType>(poison.getType()))
    return emitUnsupported(poison, "poison matrices");
  return p.declare(poison.getResult(), *t + "(0)", poison);
}

//===----------------------------------------------------------------------===//
// Integer arithmetic
//===----------------------------------------------------------------------===//

LogicalResult msl::printBinary(KernelPrinter &p, Operation *op, llvm::StringRef cOp,
                               llvm::StringRef boolForm) {
  Type type = resultType(op);
  if (isBool(type)) {
    if (boolForm.empty())
      return emitUnsupported(op, "operation on i1");
    return p.emitElementwise(
        op, [&](Operands o) { return o[0] + " " + boolForm.str() + " " + o[1]; },
        /*scalarize=*/true);
  }
  return p.emitElementwise(
      op,
      [&](Operands o) { return promote(o[0], type) + " " + cOp.str() + " " + promote(o[1], type); },
      /*scalarize=*/false);
}

LogicalResult msl::printSignedBinary(KernelPrinter &p, Operation *op, llvm::StringRef cOp) {
  Type type = resultType(op);
  if (isBool(type))
    return emitUnsupported(op, "signed arithmetic on i1");
  FailureOr<std::string> a = p.asSigned(op->getOperand(0), op);
  FailureOr<std::string> b = p.asSigned(op->getOperand(1), op);
  FailureOr<std::string> t = p.typeName(type, op);
  if (failed(a) || failed(b) || failed(t))
    return failure();
  return p.declare(op->getResult(0), *t + "(" + *a + " " + cOp.str() + " " + *b + ")", op);
}

LogicalResult msl::printUnsignedBinary(KernelPrinter &p, Operation *op, llvm::StringRef cOp) {
  if (isBool(resultType(op)))
    return emitUnsupported(op, "division or remainder of i1");
  return p.emitElementwise(
      op, [&](Operands o) { return o[0] + " " + cOp.str() + " " + o[1]; }, false);
}

LogicalResult msl::printCall(KernelPrinter &p, Operation *op, llvm::StringRef function) {
  return p.emitElementwise(
      op,
      [&](Operands o) {
        std::string s = function.str() + "(";
        for (auto [i, operand] : llvm::enumerate(o))
          s += (i ? ", " : "") + operand;
        return s + ")";
      },
      false);
}

LogicalResult msl::printSignedMinMax(KernelPrinter &p, Operation *op, llvm::StringRef function) {
  FailureOr<std::string> a = p.asSigned(op->getOperand(0), op);
  FailureOr<std::string> b = p.asSigned(op->getOperand(1), op);
  FailureOr<std::string> t = p.typeName(resultType(op), op);
  if (failed(a) || failed(b) || failed(t))
    return failure();
  if (isBool(resultType(op)))
    return emitUnsupported(op, "signed min/max of i1");
  return p.declare(op->getResult(0), *t + "(" + function.str() + "(" + *a + ", " + *b + "))", op);
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::CeilDivUIOp op) {
  if (isBool(op.getType()))
    return emitUnsupported(op, "division of i1");
  return p.emitElementwise(
      op,
      [&](Operands o) {
        return o[0] + " / " + o[1] + " + (" + o[0] + " % " + o[1] + " != 0 ? 1 : 0)";
      },
      true);
}

LogicalResult msl::printSignedDivRounded(KernelPrinter &p, Operation *op, bool ceil) {
  Type type = resultType(op);
  if (isBool(type))
    return emitUnsupported(op, "division of i1");
  return p.emitElementwise(
      op,
      [&](Operands o) {
        std::string a = signedLane(o[0], type), b = signedLane(o[1], type);
        // Round the truncating quotient up (ceil) when the exact quotient is positive,
        // down (floor) when negative, and only when there is a remainder.
        std::string sameSign = "((" + a + " < 0) == (" + b + " < 0))";
        std::string adjust = "(" + a + " % " + b + " != 0 && " +
                             (ceil ? sameSign : "!" + sameSign) + " ? 1 : 0)";
        return "(" + a + " / " + b + (ceil ? " + " : " - ") + adjust + ")";
      },
      true);
}

static const char *cmpiOperator(arith::CmpIPredicate pred) {
  switch (pred) {
  case arith::CmpIPredicate::eq:
    return "==";
  case arith::CmpIPredicate::ne:
    return "!=";
  case arith::CmpIPredicate::slt:
  case arith::CmpIPredicate::ult:
    return "<";
  case arith::CmpIPredicate::sle:
  case arith::CmpIPredicate::ule:
    return "<=";
  case arith::CmpIPredicate::sgt:
  case arith::CmpIPredicate::ugt:
    return ">";
  case arith::CmpIPredicate::sge:
  case arith::CmpIPredicate::uge:
    return ">=";
  }
  llvm_unreachable("unknown cmpi predicate");
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::CmpIOp cmp) {
  arith::CmpIPredicate pred = cmp.getPredicate();
  Type type = cmp.getLhs().getType();
  bool isSignedPred = pred == arith::CmpIPredicate::slt || pred == arith::CmpIPredicate::sle ||
                      pred == arith::CmpIPredicate::sgt || pred == arith::CmpIPredicate::sge;
  std::string c = cmpiOperator(pred);
  bool scalarize = isBool(type);
  return p.emitElementwise(
      cmp,
      [&](Operands o) {
        if (!isSignedPred)
          return o[0] + " " + c + " " + o[1];
        if (getNumLanes(type) && !scalarize) {
          std::string s = getSignedTypeName(type).value_or("int");
          return s + "(" + o[0] + ") " + c + " " + s + "(" + o[1] + ")";
        }
        return signedLane(o[0], type) + " " + c + " " + signedLane(o[1], type);
      },
      scalarize);
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::SelectOp select) {
  bool vectorCond = getNumLanes(select.getCondition().getType()) != 0;
  return p.emitElementwise(
      select, [&](Operands o) { return o[0] + " ? " + o[1] + " : " + o[2]; }, vectorCond);
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::AddUIExtendedOp add) {
  if (getNumLanes(add.getSum().getType()) || isBool(add.getSum().getType()))
    return emitUnsupported(add, "only scalar integers of 8 bits or more");
  Type type = add.getSum().getType();
  if (failed(p.declare(add.getSum(),
                       promote(p.expr(add.getLhs()), type) + " + " +
                           promote(p.expr(add.getRhs()), type),
                       add)))
    return failure();
  return p.declare(add.getOverflow(), p.nameOf(add.getSum()) + " < " + p.expr(add.getLhs()), add);
}

LogicalResult msl::printMulExtended(KernelPrinter &p, Operation *op, bool isSigned) {
  Type type = resultType(op);
  unsigned width = getIntegerWidth(type);
  if (getNumLanes(type) || (width != 32 && width != 64))
    return emitUnsupported(op, "only scalar i32 and i64 (Metal's mulhi)");
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  if (failed(p.declare(op->getResult(0), p.expr(lhs) + " * " + p.expr(rhs), op)))
    return failure();
  std::string high = "mulhi(" + p.expr(lhs) + ", " + p.expr(rhs) + ")";
  if (isSigned) {
    FailureOr<std::string> a = p.asSigned(lhs, op), b = p.asSigned(rhs, op);
    FailureOr<std::string> t = p.typeName(type, op);
    if (failed(a) || failed(b) || failed(t))
      return failure();
    high = *t + "(mulhi(" + *a + ", " + *b + "))";
  }
  return p.declare(op->getResult(1), high, op);
}

LogicalResult msl::printOperation(KernelPrinter &p, math::AbsIOp op) {
  Type type = op.getType();
  if (isBool(type))
    return emitUnsupported(op, "absi of i1");
  FailureOr<std::string> a = p.asSigned(op.getOperand(), op);
  FailureOr<std::string> t = p.typeName(type, op);
  if (failed(a) || failed(t))
    return failure();
  return p.declare(op.getResult(), *t + "(abs(" + *a + "))", op);
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

LogicalResult msl::printConversion(KernelPrinter &p, Operation *op, bool signExtendSource,
                                  bool truncToBool) {
  Type src = op->getOperand(0).getType();
  Type dst = resultType(op);
  FailureOr<std::string> t = p.typeName(dst, op);
  if (failed(t) || failed(p.typeName(src, op)))
    return failure();
  if (truncToBool)
    return p.emitElementwise(
        op, [&](Operands o) { return "(" + o[0] + " & 1) != 0"; }, true);
  if (isMatrixType(dst)) {
    // Converted column by column (extf/truncf between half and float matrices).
    auto matrix = llvm::cast<VectorType>(dst);
    FailureOr<std::string> column =
        p.typeName(VectorType::get({matrix.getDimSize(1)}, matrix.getElementType()), op);
    if (failed(column))
      return failure();
    return p.emitElementwise(
        op, [&](Operands o) { return *column + "(" + o[0] + ")"; }, false);
  }
  std::string source = p.expr(op->getOperand(0));
  if (signExtendSource) {
    FailureOr<std::string> s = p.asSigned(op->getOperand(0), op);
    if (failed(s))
      return failure();
    source = *s;
  }
  return p.declare(op->getResult(0), *t + "(" + source + ")", op);
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::TruncIOp op) {
  return printConversion(p, op, false, /*truncToBool=*/isBool(op.getType()));
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::IndexCastOp op) {
  bool widening = getIntegerWidth(op.getIn().getType()) < getIntegerWidth(op.getType());
  return printConversion(p, op, widening, isBool(op.getType()));
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::IndexCastUIOp op) {
  return printConversion(p, op, false, isBool(op.getType()));
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::FPToSIOp op) {
  Type dst = op.getType();
  if (isBool(dst))
    return emitUnsupported(op, "conversion to i1");
  FailureOr<std::string> s = p.signedTypeName(dst, op);
  FailureOr<std::string> t = p.typeName(dst, op);
  if (failed(s) || failed(t))
    return failure();
  return p.declare(op.getResult(), *t + "(" + *s + "(" + p.expr(op.getIn()) + "))", op);
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::FPToUIOp op) {
  if (isBool(op.getType()))
    return emitUnsupported(op, "conversion to i1");
  return printConversion(p, op, false);
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::TruncFOp truncf) {
  if (truncf.getRoundingmodeAttr() &&
      *truncf.getRoundingmode() != arith::RoundingMode::to_nearest_even)
    return emitUnsupported(truncf, "MSL conversions round to nearest even only");
  return printConversion(p, truncf, false);
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::BitcastOp bitcast) {
  if (isBool(bitcast.getType()))
    return emitUnsupported(bitcast, "bitcast of i1");
  FailureOr<std::string> t = p.typeName(bitcast.getType(), bitcast);
  if (failed(t) || failed(p.typeName(bitcast.getIn().getType(), bitcast)))
    return failure();
  if (bitcast.getType() == bitcast.getIn().getType())
    return p.declare(bitcast.getResult(), p.expr(bitcast.getIn()), bitcast);
  return p.declare(bitcast.getResult(), "as_type<" + *t + ">(" + p.expr(bitcast.getIn()) + ")",
                   bitcast);
}

//===----------------------------------------------------------------------===//
// Floating point
//===----------------------------------------------------------------------===//

LogicalResult msl::printAddSubF(KernelPrinter &p, Operation *op, llvm::StringRef cOp) {
  // Metal matrices add and subtract elementwise with the C operators.
  if (isMatrixType(resultType(op)))
    return p.declare(op->getResult(0),
                     p.expr(op->getOperand(0)) + " " + cOp.str() + " " + p.expr(op->getOperand(1)),
                     op);
  return printBinary(p, op, cOp);
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::NegFOp op) {
  return p.emitElementwise(
      op, [](Operands o) { return "-" + o[0]; }, false);
}

/// The value of a constant float (scalar, or splat vector) operand.
static std::optional<APFloat> constantFloat(Value v) {
  FloatAttr scalar;
  if (matchPattern(v, m_Constant(&scalar)))
    return scalar.getValue();
  DenseFPElementsAttr splat;
  if (matchPattern(v, m_Constant(&splat)) && splat.isSplat())
    return splat.getSplatValue<APFloat>();
  return std::nullopt;
}

LogicalResult msl::printMinimumMaximumF(KernelPrinter &p, Operation *op, bool isMin) {
  // NaN-propagating, and -0 < +0: Metal has no such function, so spell it out. A constant
  // operand that is not NaN needs no isnan test; one that is not zero cannot tie with the other
  // operand at a signed zero (a tie is then equal values: either one).
  std::optional<APFloat> ca = constantFloat(op->getOperand(0));
  std::optional<APFloat> cb = constantFloat(op->getOperand(1));
  bool testNanA = !ca || ca->isNaN(), testNanB = !cb || cb->isNaN();
  bool signedZeroTie = !(ca && !ca->isNaN() && !ca->isZero()) &&
                       !(cb && !cb->isNaN() && !cb->isZero());
  return p.emitElementwise(
      op,
      [&](Operands o) {
        const std::string &a = o[0], &b = o[1];
        std::string cmp = isMin ? " < " : " > ";
        std::string onTie = !signedZeroTie ? a
                            : isMin        ? "(signbit(" + a + ") ? " + a + " : " + b + ")"
                                           : "(signbit(" + a + ") ? " + b + " : " + a + ")";
        std::string text = "(";
        if (testNanA)
          text += "isnan(" + a + ") ? " + a + " : ";
        if (testNanB)
          text += "isnan(" + b + ") ? " + b + " : ";
        return text + a + cmp + b + " ? " + a + " : " + b + cmp + a + " ? " + b + " : " + onTie +
               ")";
      },
      true);
}

/// The MSL form of `a pred b` on floats. The C comparisons are the ordered ones (false on
/// NaN), `!=` the unordered one; the other unordered ones negate an ordered one.
static std::string cmpfForm(arith::CmpFPredicate pred, const std::string &a,
                            const std::string &b) {
  using P = arith::CmpFPredicate;
  auto cmp = [&](const char *op) { return a + " " + op + " " + b; };
  auto notCmp = [&](const char *op) { return "!(" + cmp(op) + ")"; };
  std::string lessOrGreater = cmp("<") + " || " + cmp(">");
  auto isnan = [&](const std::string &x) { return "isnan(" + x + ")"; };
  switch (pred) {
  case P::AlwaysFalse:
    return "false";
  case P::AlwaysTrue:
    return "true";
  case P::OEQ:
    return cmp("==");
  case P::OGT:
    return cmp(">");
  case P::OGE:
    return cmp(">=");
  case P::OLT:
    return cmp("<");
  case P::OLE:
    return cmp("<=");
  case P::ONE:
    return "(" + lessOrGreater + ")";
  case P::ORD:
    return "(!" + isnan(a) + " && !" + isnan(b) + ")";
  case P::UEQ:
    return "!(" + lessOrGreater + ")";
  case P::UGT:
    return notCmp("<=");
  case P::UGE:
    return notCmp("<");
  case P::ULT:
    return notCmp(">=");
  case P::ULE:
    return notCmp(">");
  case P::UNE:
    return cmp("!=");
  case P::UNO:
    return "(" + isnan(a) + " || " + isnan(b) + ")";
  }
  llvm_unreachable("unknown cmpf predicate");
}

LogicalResult msl::printOperation(KernelPrinter &p, arith::CmpFOp cmp) {
  using P = arith::CmpFPredicate;
  P pred = cmp.getPredicate();
  // Plain comparisons are lane-wise in MSL; the compound ones are built per lane.
  bool simple = pred == P::OEQ || pred == P::OGT || pred == P::OGE || pred == P::OLT ||
                pred == P::OLE || pred == P::UNE;
  return p.emitElementwise(
      cmp, [&](Operands o) { return cmpfForm(pred, o[0], o[1]); }, !simple);
}
