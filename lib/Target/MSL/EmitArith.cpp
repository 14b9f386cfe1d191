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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "llvm/ADT/TypeSwitch.h"

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

namespace {
/// Per-op helper bundling the printer and the op.
struct ArithEmitter {
  KernelPrinter &p;
  Operation *op;

  Type resultType() { return op->getResult(0).getType(); }
  Type operandType(unsigned i = 0) { return op->getOperand(i).getType(); }

  LogicalResult binaryInt(llvm::StringRef cOp, llvm::StringRef boolForm) {
    Type type = resultType();
    if (isBool(type)) {
      if (boolForm.empty())
        return emitUnsupported(op, "operation on i1");
      std::string form = boolForm.str();
      return p.emitElementwise(
          op, [&](Operands o) { return o[0] + " " + form + " " + o[1]; },
          /*scalarize=*/true);
    }
    std::string c = cOp.str();
    return p.emitElementwise(
        op, [&](Operands o) { return promote(o[0], type) + " " + c + " " + promote(o[1], type); },
        /*scalarize=*/false);
  }

  /// A signed binary operation: T(S(a) op S(b)).
  LogicalResult signedBinary(llvm::StringRef cOp) {
    Type type = resultType();
    if (isBool(type))
      return emitUnsupported(op, "signed arithmetic on i1");
    FailureOr<std::string> a = p.asSigned(op->getOperand(0), op);
    FailureOr<std::string> b = p.asSigned(op->getOperand(1), op);
    FailureOr<std::string> t = p.typeName(type, op);
    if (failed(a) || failed(b) || failed(t))
      return failure();
    return p.declare(op->getResult(0), *t + "(" + *a + " " + cOp.str() + " " + *b + ")", op);
  }

  LogicalResult unsignedBinary(llvm::StringRef cOp) {
    if (isBool(resultType()))
      return emitUnsupported(op, "division or remainder of i1");
    std::string c = cOp.str();
    return p.emitElementwise(
        op, [&](Operands o) { return o[0] + " " + c + " " + o[1]; }, false);
  }

  /// A call of a Metal function that accepts scalars and vectors alike.
  LogicalResult call(llvm::StringRef fn) {
    std::string f = fn.str();
    return p.emitElementwise(
        op,
        [&](Operands o) {
          std::string s = f + "(";
          for (auto [i, operand] : llvm::enumerate(o))
            s += (i ? ", " : "") + operand;
          return s + ")";
        },
        false);
  }

  /// Signed lanes of a scalarized operation (each lane is a scalar expression).
  std::string signedLane(const std::string &lane, Type type) {
    if (isBool(type))
      return "(-int(" + lane + "))";
    Type elem = getElementTypeOrSelf(type);
    return getSignedTypeName(elem).value_or("int") + "(" + lane + ")";
  }

  LogicalResult conversion(bool signExtendSource, bool truncToBool = false) {
    Type src = operandType();
    Type dst = resultType();
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

  LogicalResult cmpi(arith::CmpIPredicate pred) {
    Type type = operandType();
    bool isSignedPred = pred == arith::CmpIPredicate::slt || pred == arith::CmpIPredicate::sle ||
                        pred == arith::CmpIPredicate::sgt || pred == arith::CmpIPredicate::sge;
    std::string c;
    switch (pred) {
    case arith::CmpIPredicate::eq:
      c = "==";
      break;
    case arith::CmpIPredicate::ne:
      c = "!=";
      break;
    case arith::CmpIPredicate::slt:
    case arith::CmpIPredicate::ult:
      c = "<";
      break;
    case arith::CmpIPredicate::sle:
    case arith::CmpIPredicate::ule:
      c = "<=";
      break;
    case arith::CmpIPredicate::sgt:
    case arith::CmpIPredicate::ugt:
      c = ">";
      break;
    case arith::CmpIPredicate::sge:
    case arith::CmpIPredicate::uge:
      c = ">=";
      break;
    }
    bool scalarize = isBool(type);
    return p.emitElementwise(
        op,
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

  LogicalResult cmpf(arith::CmpFPredicate pred) {
    using P = arith::CmpFPredicate;
    auto form = [pred](const std::string &a, const std::string &b) -> std::string {
      switch (pred) {
      case P::AlwaysFalse:
        return "false";
      case P::AlwaysTrue:
        return "true";
      case P::OEQ:
        return a + " == " + b;
      case P::OGT:
        return a + " > " + b;
      case P::OGE:
        return a + " >= " + b;
      case P::OLT:
        return a + " < " + b;
      case P::OLE:
        return a + " <= " + b;
      case P::ONE:
        return "(" + a + " < " + b + " || " + a + " > " + b + ")";
      case P::ORD:
        return "(!isnan(" + a + ") && !isnan(" + b + "))";
      case P::UEQ:
        return "!(" + a + " < " + b + " || " + a + " > " + b + ")";
      case P::UGT:
        return "!(" + a + " <= " + b + ")";
      case P::UGE:
        return "!(" + a + " < " + b + ")";
      case P::ULT:
        return "!(" + a + " >= " + b + ")";
      case P::ULE:
        return "!(" + a + " > " + b + ")";
      case P::UNE:
        return a + " != " + b;
      case P::UNO:
        return "(isnan(" + a + ") || isnan(" + b + "))";
      }
      return "";
    };
    // Plain comparisons are lane-wise in MSL; the compound ones are built per lane.
    bool simple = pred == P::OEQ || pred == P::OGT || pred == P::OGE || pred == P::OLT ||
                  pred == P::OLE || pred == P::UNE;
    return p.emitElementwise(
        op, [&](Operands o) { return form(o[0], o[1]); }, !simple);
  }
};
} // namespace

LogicalResult KernelPrinter::emitArithOp(Operation *op) {
  ArithEmitter e{*this, op};
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](arith::ConstantOp constant) -> LogicalResult {
        if (failed(typeName(constant.getType(), op)))
          return failure();
        std::optional<std::string> literal =
            formatConstant(constant.getValue(), constant.getType());
        if (!literal)
          return emitUnsupported(op, "the constant cannot be written exactly in MSL (index "
                                     "constants must fit in 32 bits)");
        constants[constant.getResult()] = *literal;
        return success();
      })
      .Case([&](ub::PoisonOp poison) -> LogicalResult {
        // Any value refines poison; zero is as good as any and deterministic.
        FailureOr<std::string> t = typeName(poison.getType(), op);
        if (failed(t))
          return failure();
        if (llvm::isa<SimdgroupMatrixType>(poison.getType()))
          return emitUnsupported(op, "poison matrices");
        return declare(poison.getResult(), *t + "(0)", op);
      })
      // Integer arithmetic.
      .Case([&](arith::AddIOp) { return e.binaryInt("+", "!="); })
      .Case([&](arith::SubIOp) { return e.binaryInt("-", "!="); })
      .Case([&](arith::MulIOp) { return e.binaryInt("*", "&&"); })
      .Case([&](arith::AndIOp) { return e.binaryInt("&", "&&"); })
      .Case([&](arith::OrIOp) { return e.binaryInt("|", "||"); })
      .Case([&](arith::XOrIOp) { return e.binaryInt("^", "!="); })
      .Case([&](arith::ShLIOp) { return e.binaryInt("<<", ""); })
      .Case([&](arith::ShRUIOp) { return e.unsignedBinary(">>"); })
      .Case([&](arith::ShRSIOp) { return e.signedBinary(">>"); })
      .Case([&](arith::DivUIOp) { return e.unsignedBinary("/"); })
      .Case([&](arith::RemUIOp) { return e.unsignedBinary("%"); })
      .Case([&](arith::DivSIOp) { return e.signedBinary("/"); })
      .Case([&](arith::RemSIOp) { return e.signedBinary("%"); })
      .Case([&](arith::MinUIOp) { return e.call("min"); })
      .Case([&](arith::MaxUIOp) { return e.call("max"); })
      .Case<arith::MinSIOp, arith::MaxSIOp>([&](auto) -> LogicalResult {
        const char *fn = llvm::isa<arith::MinSIOp>(op) ? "min" : "max";
        FailureOr<std::string> a = asSigned(op->getOperand(0), op);
        FailureOr<std::string> b = asSigned(op->getOperand(1), op);
        FailureOr<std::string> t = typeName(op->getResult(0).getType(), op);
        if (failed(a) || failed(b) || failed(t))
          return failure();
        if (isBool(op->getResult(0).getType()))
          return emitUnsupported(op, "signed min/max of i1");
        return declare(op->getResult(0), *t + "(" + fn + "(" + *a + ", " + *b + "))", op);
      })
      .Case([&](arith::CeilDivUIOp) -> LogicalResult {
        if (isBool(op->getResult(0).getType()))
          return emitUnsupported(op, "division of i1");
        return emitElementwise(
            op,
            [&](Operands o) {
              return o[0] + " / " + o[1] + " + (" + o[0] + " % " + o[1] + " != 0 ? 1 : 0)";
            },
            true);
      })
      .Case<arith::CeilDivSIOp, arith::FloorDivSIOp>([&](auto) -> LogicalResult {
        Type type = op->getResult(0).getType();
        if (isBool(type))
          return emitUnsupported(op, "division of i1");
        bool ceil = llvm::isa<arith::CeilDivSIOp>(op);
        return emitElementwise(
            op,
            [&](Operands o) {
              std::string a = e.signedLane(o[0], type), b = e.signedLane(o[1], type);
              // Round the truncating quotient up (ceil) when the exact quotient is positive,
              // down (floor) when negative, and only when there is a remainder.
              std::string sameSign = "((" + a + " < 0) == (" + b + " < 0))";
              std::string adjust = "(" + a + " % " + b + " != 0 && " +
                                   (ceil ? sameSign : "!" + sameSign) + " ? 1 : 0)";
              return "(" + a + " / " + b + (ceil ? " + " : " - ") + adjust + ")";
            },
            true);
      })
      .Case([&](arith::CmpIOp cmp) { return e.cmpi(cmp.getPredicate()); })
      .Case([&](arith::SelectOp select) -> LogicalResult {
        bool vectorCond = getNumLanes(select.getCondition().getType()) != 0;
        return emitElementwise(
            op, [&](Operands o) { return o[0] + " ? " + o[1] + " : " + o[2]; }, vectorCond);
      })
      // Integer conversions.
      .Case([&](arith::ExtSIOp) { return e.conversion(/*signExtendSource=*/true); })
      .Case([&](arith::ExtUIOp) { return e.conversion(false); })
      .Case([&](arith::TruncIOp) {
        return e.conversion(false, /*truncToBool=*/isBool(op->getResult(0).getType()));
      })
      .Case<arith::IndexCastOp>([&](auto) {
        bool widening = getIntegerWidth(op->getOperand(0).getType()) <
                        getIntegerWidth(op->getResult(0).getType());
        bool toBool = isBool(op->getResult(0).getType());
        return e.conversion(widening, toBool);
      })
      .Case<arith::IndexCastUIOp>(
          [&](auto) { return e.conversion(false, isBool(op->getResult(0).getType())); })
      // Float <-> integer.
      .Case([&](arith::FPToSIOp) -> LogicalResult {
        Type dst = op->getResult(0).getType();
        if (isBool(dst))
          return emitUnsupported(op, "conversion to i1");
        FailureOr<std::string> s = signedTypeName(dst, op);
        FailureOr<std::string> t = typeName(dst, op);
        if (failed(s) || failed(t))
          return failure();
        return declare(op->getResult(0), *t + "(" + *s + "(" + expr(op->getOperand(0)) + "))", op);
      })
      .Case([&](arith::FPToUIOp) -> LogicalResult {
        if (isBool(op->getResult(0).getType()))
          return emitUnsupported(op, "conversion to i1");
        return e.conversion(false);
      })
      .Case([&](arith::SIToFPOp) { return e.conversion(true); })
      .Case([&](arith::UIToFPOp) { return e.conversion(false); })
      .Case([&](arith::ExtFOp) { return e.conversion(false); })
      .Case([&](arith::TruncFOp truncf) -> LogicalResult {
        if (truncf.getRoundingmodeAttr() &&
            *truncf.getRoundingmode() != arith::RoundingMode::to_nearest_even)
          return emitUnsupported(op, "MSL conversions round to nearest even only");
        return e.conversion(false);
      })
      .Case([&](arith::BitcastOp bitcast) -> LogicalResult {
        if (isBool(bitcast.getType()))
          return emitUnsupported(op, "bitcast of i1");
        FailureOr<std::string> t = typeName(bitcast.getType(), op);
        if (failed(t) || failed(typeName(bitcast.getIn().getType(), op)))
          return failure();
        if (bitcast.getType() == bitcast.getIn().getType())
          return declare(bitcast.getResult(), expr(bitcast.getIn()), op);
        return declare(bitcast.getResult(), "as_type<" + *t + ">(" + expr(bitcast.getIn()) + ")",
                       op);
      })
      // Floating point.
      .Case<arith::AddFOp, arith::SubFOp>([&](auto) -> LogicalResult {
        const char *c = llvm::isa<arith::AddFOp>(op) ? "+" : "-";
        // Metal matrices add and subtract elementwise with the C operators.
        if (isMatrixType(op->getResult(0).getType()))
          return declare(op->getResult(0),
                         expr(op->getOperand(0)) + " " + c + " " + expr(op->getOperand(1)), op);
        return e.binaryInt(c, "");
      })
      .Case([&](arith::MulFOp) { return e.binaryInt("*", ""); })
      .Case([&](arith::DivFOp) { return e.binaryInt("/", ""); })
      .Case([&](arith::RemFOp) { return e.call("fmod"); })
      .Case([&](arith::NegFOp) {
        return emitElementwise(
            op, [](Operands o) { return "-" + o[0]; }, false);
      })
      .Case([&](arith::MinNumFOp) { return e.call("fmin"); })
      .Case([&](arith::MaxNumFOp) { return e.call("fmax"); })
      .Case<arith::MinimumFOp, arith::MaximumFOp>([&](auto) {
        // NaN-propagating, and -0 < +0: Metal has no such function, so spell it out.
        bool isMin = llvm::isa<arith::MinimumFOp>(op);
        return emitElementwise(
            op,
            [&](Operands o) {
              const std::string &a = o[0], &b = o[1];
              std::string cmp = isMin ? " < " : " > ";
              std::string onTie = isMin ? "(signbit(" + a + ") ? " + a + " : " + b + ")"
                                        : "(signbit(" + a + ") ? " + b + " : " + a + ")";
              return "(isnan(" + a + ") ? " + a + " : isnan(" + b + ") ? " + b + " : " + a + cmp +
                     b + " ? " + a + " : " + b + cmp + a + " ? " + b + " : " + onTie + ")";
            },
            true);
      })
      .Case([&](arith::CmpFOp cmp) { return e.cmpf(cmp.getPredicate()); })
      .Case([&](arith::AddUIExtendedOp add) -> LogicalResult {
        if (getNumLanes(add.getSum().getType()) || isBool(add.getSum().getType()))
          return emitUnsupported(op, "only scalar integers of 8 bits or more");
        Type type = add.getSum().getType();
        if (failed(declare(
                add.getSum(),
                promote(expr(add.getLhs()), type) + " + " + promote(expr(add.getRhs()), type), op)))
          return failure();
        return declare(add.getOverflow(), nameOf(add.getSum()) + " < " + expr(add.getLhs()), op);
      })
      .Case<arith::MulUIExtendedOp, arith::MulSIExtendedOp>([&](auto) -> LogicalResult {
        Type type = op->getResult(0).getType();
        unsigned width = getIntegerWidth(type);
        if (getNumLanes(type) || (width != 32 && width != 64))
          return emitUnsupported(op, "only scalar i32 and i64 (Metal's mulhi)");
        Value lhs = op->getOperand(0), rhs = op->getOperand(1);
        if (failed(declare(op->getResult(0), expr(lhs) + " * " + expr(rhs), op)))
          return failure();
        std::string high = "mulhi(" + expr(lhs) + ", " + expr(rhs) + ")";
        if (llvm::isa<arith::MulSIExtendedOp>(op)) {
          FailureOr<std::string> a = asSigned(lhs, op), b = asSigned(rhs, op);
          FailureOr<std::string> t = typeName(type, op);
          if (failed(a) || failed(b) || failed(t))
            return failure();
          high = *t + "(mulhi(" + *a + ", " + *b + "))";
        }
        return declare(op->getResult(1), high, op);
      })
      .Default([&](Operation *) { return emitUnsupported(op); });
}

LogicalResult KernelPrinter::emitMathOp(Operation *op) {
  ArithEmitter e{*this, op};
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](math::SqrtOp) { return e.call("sqrt"); })
      .Case([&](math::RsqrtOp) { return e.call("rsqrt"); })
      .Case([&](math::ExpOp) { return e.call("exp"); })
      .Case([&](math::Exp2Op) { return e.call("exp2"); })
      .Case([&](math::LogOp) { return e.call("log"); })
      .Case([&](math::Log2Op) { return e.call("log2"); })
      .Case([&](math::Log10Op) { return e.call("log10"); })
      .Case([&](math::SinOp) { return e.call("sin"); })
      .Case([&](math::CosOp) { return e.call("cos"); })
      .Case([&](math::TanOp) { return e.call("tan"); })
      .Case([&](math::AsinOp) { return e.call("asin"); })
      .Case([&](math::AcosOp) { return e.call("acos"); })
      .Case([&](math::AtanOp) { return e.call("atan"); })
      .Case([&](math::Atan2Op) { return e.call("atan2"); })
      .Case([&](math::SinhOp) { return e.call("sinh"); })
      .Case([&](math::CoshOp) { return e.call("cosh"); })
      .Case([&](math::TanhOp) { return e.call("tanh"); })
      .Case([&](math::AsinhOp) { return e.call("asinh"); })
      .Case([&](math::AcoshOp) { return e.call("acosh"); })
      .Case([&](math::AtanhOp) { return e.call("atanh"); })
      .Case([&](math::PowFOp) { return e.call("pow"); })
      .Case([&](math::FmaOp) { return e.call("fma"); })
      .Case([&](math::FloorOp) { return e.call("floor"); })
      .Case([&](math::CeilOp) { return e.call("ceil"); })
      .Case([&](math::RoundOp) { return e.call("round"); })
      .Case([&](math::RoundEvenOp) { return e.call("rint"); })
      .Case([&](math::TruncOp) { return e.call("trunc"); })
      .Case([&](math::AbsFOp) { return e.call("fabs"); })
      .Case([&](math::CopySignOp) { return e.call("copysign"); })
      .Case([&](math::IsNaNOp) { return e.call("isnan"); })
      .Case([&](math::IsInfOp) { return e.call("isinf"); })
      .Case([&](math::IsFiniteOp) { return e.call("isfinite"); })
      .Case([&](math::IsNormalOp) { return e.call("isnormal"); })
      .Case([&](math::CountLeadingZerosOp) { return e.call("clz"); })
      .Case([&](math::CountTrailingZerosOp) { return e.call("ctz"); })
      .Case([&](math::CtPopOp) { return e.call("popcount"); })
      .Case([&](math::AbsIOp) -> LogicalResult {
        Type type = op->getResult(0).getType();
        if (isBool(type))
          return emitUnsupported(op, "absi of i1");
        FailureOr<std::string> a = asSigned(op->getOperand(0), op);
        FailureOr<std::string> t = typeName(type, op);
        if (failed(a) || failed(t))
          return failure();
        return declare(op->getResult(0), *t + "(abs(" + *a + "))", op);
      })
      .Case<math::ErfOp, math::ErfcOp, math::ExpM1Op, math::Log1pOp, math::CbrtOp>([&](auto) {
        return emitUnsupported(op, "Metal's standard library has no such function");
      })
      .Default([&](Operation *) { return emitUnsupported(op); });
}
