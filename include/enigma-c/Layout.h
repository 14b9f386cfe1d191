/*===-- enigma-c/Layout.h - CuTe layout algebra core --------------*- C -*-===*\
|*                                                                            *|
|* The layout algebra of Enigma: hierarchical integer tuples, layouts         *|
|* (shape:stride pairs of congruent tuples) and every CuTe operation on them, *|
|* in plain C11 with no MLIR dependency. The dialect and the Python package   *|
|* both call this one implementation.                                         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * Semantics follow CuTe as implemented in CUTLASS 4.2 (checked against its
 * C++ headers by python/tests/test_layout_cute_cpp.py), with every integer a
 * static (compile-time) CuTe integer: coalesce merges modes, composition
 * checks its divisibility conditions and reports when they fail, compact
 * strides of size-1 modes are 0. Two deliberate differences: a divide whose
 * tile does not fit in the mode it divides fails ("tiler exceeds tensor")
 * instead of returning a layout that reads past it, and a composition that
 * CuTe's (weak) stride check lets through although its result is not a o b
 * fails too. docs/layout-algebra.md explains each operation.
 *
 * Conventions used by every function below:
 *
 *  - Handles (EnigmaIntTuple, EnigmaLayout, EnigmaTiler) are opaque and
 *    immutable. A function that returns a handle through an out-parameter
 *    transfers ownership to the caller, who releases it exactly once with the
 *    matching ...Destroy function (Destroy(NULL) does nothing). Input handles
 *    are only read: they are never retained or freed by the callee, so the
 *    caller may destroy them right after the call. Reading one handle from
 *    several threads at once is safe.
 *
 *  - Fallible functions return an EnigmaLayoutStatus. On failure the handle
 *    out-parameter is set to NULL, nothing is leaked, and if `error` is not
 *    NULL it receives the status and a NUL-terminated human-readable message
 *    (for example "logical_divide: tiler exceeds tensor in mode 1: ...").
 *    The EnigmaLayoutError buffer is owned by the caller (a stack variable is
 *    fine); `error` may be NULL when the caller only wants the code. On
 *    success error->status is ENIGMA_LAYOUT_OK and error->message is "".
 *    No function aborts, asserts or prints on bad input.
 *
 *  - Text (parse/print) uses CuTe notation: an IntTuple is an integer or a
 *    parenthesized, comma-separated list of IntTuples ("((2,4),8)"); a rank-1
 *    tuple prints as "(8)" and is distinct from the integer 8. A layout is
 *    "shape:stride", e.g. "((2,4),8):((1,2),8)". The parsers accept
 *    whitespace and CuTe's "_" prefix for static integers ("_8").
 *
 *  - Shapes are integers >= 1; strides and coordinates are int64_t. Every
 *    arithmetic step is overflow-checked. Tuples have at least one element
 *    and nest at most ENIGMA_LAYOUT_MAX_DEPTH levels.
 */

#ifndef ENIGMA_C_LAYOUT_H
#define ENIGMA_C_LAYOUT_H

#include "enigma-c/Support.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*===----------------------------------------------------------------------===*/
/* Status and errors                                                          */
/*===----------------------------------------------------------------------===*/

/// Result code of every fallible layout function.
typedef enum EnigmaLayoutStatus {
  ENIGMA_LAYOUT_OK = 0,
  /// A NULL handle, a mode index out of range, a shape < 1, a negative
  /// coordinate, mismatched shape/stride profiles, an empty tuple...
  ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT = 1,
  /// Text that is not CuTe notation; the message gives the offset.
  ENIGMA_LAYOUT_ERROR_PARSE = 2,
  /// Profiles that do not fit: a tiler or profile of higher rank than the
  /// layout, a coordinate not congruent to the shape, a mode that must be
  /// rank 2 and is not.
  ENIGMA_LAYOUT_ERROR_RANK_MISMATCH = 3,
  /// composition's stride or shape divisibility condition failed.
  ENIGMA_LAYOUT_ERROR_DIVISIBILITY = 4,
  /// A divide whose tile does not fit in the (mode of the) layout it divides.
  ENIGMA_LAYOUT_ERROR_TILER_EXCEEDS_TENSOR = 5,
  /// complement (and so left_inverse and the products) of a layout whose
  /// modes overlap, or that has negative strides.
  ENIGMA_LAYOUT_ERROR_NOT_INJECTIVE = 6,
  /// An intermediate value does not fit in int64_t.
  ENIGMA_LAYOUT_ERROR_OVERFLOW = 7,
  ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY = 8,
  /// Valid input outside what the core implements (e.g. a negative stride in
  /// the right operand of a composition, nesting deeper than the limit).
  ENIGMA_LAYOUT_ERROR_UNSUPPORTED = 9,
} EnigmaLayoutStatus;

/// Size of EnigmaLayoutError::message; longer messages are truncated.
#define ENIGMA_LAYOUT_ERROR_MESSAGE_CAPACITY 512

/// Deepest tuple nesting the core accepts (a flat tuple has depth 1).
#define ENIGMA_LAYOUT_MAX_DEPTH 64

/// Caller-owned error report filled by a failing function.
typedef struct EnigmaLayoutError {
  EnigmaLayoutStatus status;
  char message[ENIGMA_LAYOUT_ERROR_MESSAGE_CAPACITY];
} EnigmaLayoutError;

/// Returns a static, never-freed name for a status ("tiler exceeds tensor").
ENIGMA_CAPI_EXPORTED const char *enigmaLayoutStatusGetName(EnigmaLayoutStatus status);

/*===----------------------------------------------------------------------===*/
/* Handles                                                                    */
/*===----------------------------------------------------------------------===*/

/// A hierarchical integer tuple: an int64_t or a tuple of IntTuples.
typedef struct EnigmaIntTupleImpl *EnigmaIntTuple;
/// A layout: a shape IntTuple and a congruent stride IntTuple.
typedef struct EnigmaLayoutImpl *EnigmaLayout;
/// A CuTe tiler: a Layout, an integer n (the tile n:1), the placeholder "_"
/// (keep the mode as it is), or a tuple of tilers applied mode by mode. A
/// shape such as (16,8) is the tiler <16,8>, see enigmaTilerCreateFromShape.
typedef struct EnigmaTilerImpl *EnigmaTiler;

/*===----------------------------------------------------------------------===*/
/* IntTuple                                                                   */
/*===----------------------------------------------------------------------===*/

/// Creates the integer `value`. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaIntTupleCreateInt(int64_t value,
                                                                EnigmaIntTuple *result,
                                                                EnigmaLayoutError *error);

/// Creates the tuple (elements[0], ..., elements[count-1]); count >= 1. The
/// elements are copied. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaIntTupleCreateTuple(const EnigmaIntTuple *elements,
                                                                  intptr_t count,
                                                                  EnigmaIntTuple *result,
                                                                  EnigmaLayoutError *error);

/// Parses CuTe notation ("((2,4),8)"). `length` < 0 means `text` is
/// NUL-terminated. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaIntTupleParse(const char *text, intptr_t length,
                                                            EnigmaIntTuple *result,
                                                            EnigmaLayoutError *error);

/// Prints CuTe notation into `buffer` like snprintf: at most capacity-1
/// characters plus a NUL are written (nothing if capacity is 0) and the full
/// length (without NUL) is returned, so a caller can size a second call.
ENIGMA_CAPI_EXPORTED intptr_t enigmaIntTuplePrint(EnigmaIntTuple tuple, char *buffer,
                                                  intptr_t capacity);

/// Serializes in preorder, two int64_t per node: (0, value) for an integer,
/// (rank, 0) for a tuple followed by its elements. Writes nothing if the
/// capacity is too small; returns the number of int64_t needed (or -1 for a
/// NULL handle). This is the bulk transfer format used by bindings.
ENIGMA_CAPI_EXPORTED intptr_t enigmaIntTupleToPreorder(EnigmaIntTuple tuple, int64_t *tokens,
                                                       intptr_t capacity);

/// Inverse of enigmaIntTupleToPreorder; `count` is the number of int64_t.
/// Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaIntTupleFromPreorder(const int64_t *tokens,
                                                                   intptr_t count,
                                                                   EnigmaIntTuple *result,
                                                                   EnigmaLayoutError *error);

/// Releases a tuple. NULL is ignored.
ENIGMA_CAPI_EXPORTED void enigmaIntTupleDestroy(EnigmaIntTuple tuple);

/// True if the tuple is a single integer.
ENIGMA_CAPI_EXPORTED bool enigmaIntTupleIsInt(EnigmaIntTuple tuple);

/// The value of an integer tuple; 0 for a tuple or NULL.
ENIGMA_CAPI_EXPORTED int64_t enigmaIntTupleGetInt(EnigmaIntTuple tuple);

/// CuTe rank: 1 for an integer, the number of elements for a tuple; 0 for
/// NULL.
ENIGMA_CAPI_EXPORTED intptr_t enigmaIntTupleGetRank(EnigmaIntTuple tuple);

/// CuTe depth: 0 for an integer, 1 + the deepest element for a tuple.
ENIGMA_CAPI_EXPORTED intptr_t enigmaIntTupleGetDepth(EnigmaIntTuple tuple);

/// Element `index` (CuTe get<index>; get<0> of an integer is the integer).
/// Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaIntTupleGetElement(EnigmaIntTuple tuple,
                                                                 intptr_t index,
                                                                 EnigmaIntTuple *result,
                                                                 EnigmaLayoutError *error);

/// Product of all integers (CuTe size/product).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaIntTupleSize(EnigmaIntTuple tuple, int64_t *result,
                                                           EnigmaLayoutError *error);

/// Structural equality (8 differs from (8)). NULL equals only NULL.
ENIGMA_CAPI_EXPORTED bool enigmaIntTupleEqual(EnigmaIntTuple a, EnigmaIntTuple b);

/// idx2crd(index, shape): the colexicographic coordinate of `index` in
/// `shape` (mode 0 fastest). Every mode but the outermost last one is taken
/// modulo its size, as CuTe does. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaIntTupleIdx2Crd(EnigmaIntTuple shape, int64_t index,
                                                              EnigmaIntTuple *result,
                                                              EnigmaLayoutError *error);

/// crd2idx(coord, shape): the colexicographic index of a coordinate, the
/// inverse of idx2crd. `coord` is congruent to `shape` or an integer at any
/// level (an integer coordinate of a tuple mode is split over its modes).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaIntTupleCrd2Idx(EnigmaIntTuple shape,
                                                              EnigmaIntTuple coord, int64_t *result,
                                                              EnigmaLayoutError *error);

/*===----------------------------------------------------------------------===*/
/* Layout: construction, text, queries                                        */
/*===----------------------------------------------------------------------===*/

/// Creates shape:stride. The two must be congruent (same tuple structure)
/// and every shape >= 1. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutCreate(EnigmaIntTuple shape,
                                                           EnigmaIntTuple stride,
                                                           EnigmaLayout *result,
                                                           EnigmaLayoutError *error);

/// make_layout(shape): compact column-major strides (mode 0 fastest; a
/// size-1 mode gets stride 0, as in CuTe). Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutCreateCompact(EnigmaIntTuple shape,
                                                                  EnigmaLayout *result,
                                                                  EnigmaLayoutError *error);

/// make_ordered_layout(shape, order): compact strides where modes with a
/// smaller order value are faster. `order` is weakly congruent to `shape`
/// (an order leaf may stand for a whole sub-shape, which is then
/// column-major). E.g. shape (4,32) order (1,0) gives (4,32):(32,1).
/// Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutCreateOrdered(EnigmaIntTuple shape,
                                                                  EnigmaIntTuple order,
                                                                  EnigmaLayout *result,
                                                                  EnigmaLayoutError *error);

/// make_layout(L0, L1, ...): the layout whose modes are the given layouts
/// (a single layout gives a rank-1 tuple). count >= 1. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutConcat(const EnigmaLayout *layouts,
                                                           intptr_t count, EnigmaLayout *result,
                                                           EnigmaLayoutError *error);

/// Parses "shape:stride"; a bare shape means its compact layout. `length` < 0
/// means NUL-terminated. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutParse(const char *text, intptr_t length,
                                                          EnigmaLayout *result,
                                                          EnigmaLayoutError *error);

/// Prints "shape:stride", snprintf-style (see enigmaIntTuplePrint).
ENIGMA_CAPI_EXPORTED intptr_t enigmaLayoutPrint(EnigmaLayout layout, char *buffer,
                                                intptr_t capacity);

/// Serializes in preorder, three int64_t per node: (0, shape, stride) for a
/// leaf mode, (rank, 0, 0) for a tuple followed by its modes. Same contract
/// as enigmaIntTupleToPreorder.
ENIGMA_CAPI_EXPORTED intptr_t enigmaLayoutToPreorder(EnigmaLayout layout, int64_t *tokens,
                                                     intptr_t capacity);

/// Inverse of enigmaLayoutToPreorder. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutFromPreorder(const int64_t *tokens,
                                                                 intptr_t count,
                                                                 EnigmaLayout *result,
                                                                 EnigmaLayoutError *error);

/// Returns a new handle equal to `layout` (NULL on allocation failure or for
/// NULL). Caller owns the result.
ENIGMA_CAPI_EXPORTED EnigmaLayout enigmaLayoutClone(EnigmaLayout layout);

/// Releases a layout. NULL is ignored.
ENIGMA_CAPI_EXPORTED void enigmaLayoutDestroy(EnigmaLayout layout);

/// Structural equality of shape and stride (CuTe operator==).
ENIGMA_CAPI_EXPORTED bool enigmaLayoutEqual(EnigmaLayout a, EnigmaLayout b);

/// The shape / stride IntTuple. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutGetShape(EnigmaLayout layout,
                                                             EnigmaIntTuple *result,
                                                             EnigmaLayoutError *error);
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutGetStride(EnigmaLayout layout,
                                                              EnigmaIntTuple *result,
                                                              EnigmaLayoutError *error);

/// CuTe rank (1 for an integral shape) and depth (0 for an integral shape)
/// of the shape; 0 for NULL.
ENIGMA_CAPI_EXPORTED intptr_t enigmaLayoutGetRank(EnigmaLayout layout);
ENIGMA_CAPI_EXPORTED intptr_t enigmaLayoutGetDepth(EnigmaLayout layout);

/// size: number of coordinates (product of the shape).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutSize(EnigmaLayout layout, int64_t *result,
                                                         EnigmaLayoutError *error);

/// cosize: 1 + the largest index the layout produces, with strides taken by
/// absolute value as in CuTe (layout(size-1) + 1 for non-negative strides).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutCosize(EnigmaLayout layout, int64_t *result,
                                                           EnigmaLayoutError *error);

/// Mode selection layout<path[0], path[1], ...>(layout); an empty path
/// returns a copy. Mode 0 of an integral layout is the layout itself.
/// Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutGetMode(EnigmaLayout layout,
                                                            const int32_t *path,
                                                            intptr_t pathLength,
                                                            EnigmaLayout *result,
                                                            EnigmaLayoutError *error);

/// Flattens the layout to depth <= 1 (CuTe flatten). Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutFlatten(EnigmaLayout layout,
                                                            EnigmaLayout *result,
                                                            EnigmaLayoutError *error);

/// crd2idx: evaluates the layout at a coordinate. The coordinate is
/// congruent to the shape or an integer at any level, which is split
/// colexicographically over that mode (so layout(i) for an integer i). Each
/// coordinate must be >= 0; coordinates past a mode's extent are allowed (a
/// layout is a function on all of N), as in CuTe.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutCrd2Idx(EnigmaLayout layout,
                                                            EnigmaIntTuple coord, int64_t *result,
                                                            EnigmaLayoutError *error);

/// layout(index) for an integer coordinate (index >= 0).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutEvaluate(EnigmaLayout layout, int64_t index,
                                                             int64_t *result,
                                                             EnigmaLayoutError *error);

/// out[k] = layout(begin + k) for 0 <= k < count (begin >= 0). `out` is
/// caller-owned storage for `count` values. Used to draw and to test layouts.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutEvaluateRange(EnigmaLayout layout,
                                                                  int64_t begin, intptr_t count,
                                                                  int64_t *out,
                                                                  EnigmaLayoutError *error);

/// idx2crd(index, shape(layout)); see enigmaIntTupleIdx2Crd.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutIdx2Crd(EnigmaLayout layout, int64_t index,
                                                            EnigmaIntTuple *result,
                                                            EnigmaLayoutError *error);

/*===----------------------------------------------------------------------===*/
/* Tiler                                                                      */
/*===----------------------------------------------------------------------===*/

/// The tiler that applies `layout` to the whole layout it is used on.
/// `layout` is copied. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaTilerCreateFromLayout(EnigmaLayout layout,
                                                                    EnigmaTiler *result,
                                                                    EnigmaLayoutError *error);

/// The placeholder "_": leaves its mode unchanged. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaTilerCreateUnderscore(EnigmaTiler *result,
                                                                    EnigmaLayoutError *error);

/// The by-mode tiler <elements[0], ..., elements[count-1]>, count >= 1: mode
/// i of the layout is transformed by elements[i]; modes past `count` are
/// kept by the divides and products and dropped by composition (as in CuTe).
/// Elements are copied. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaTilerCreateTuple(const EnigmaTiler *elements,
                                                               intptr_t count, EnigmaTiler *result,
                                                               EnigmaLayoutError *error);

/// A shape used as a tiler, as in CuTe: each integer n is an integer tiler
/// (n:1 for composition, make_layout(n) for divides and products) and each
/// tuple is a by-mode tiler. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaTilerCreateFromShape(EnigmaIntTuple shape,
                                                                   EnigmaTiler *result,
                                                                   EnigmaLayoutError *error);

/// Builds a whole tiler in one call (for bindings). `structure` is a
/// preorder token list: r > 0 opens a by-mode tuple of r elements; 0 is a
/// leaf taken from the next entry of `leaves` (a NULL entry is "_"); -1 is an
/// integer tiler whose value (>= 1) is the next token. Every token and leaf
/// must be consumed. Leaves are copied. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaTilerBuild(const int64_t *structure,
                                                         intptr_t structureLength,
                                                         const EnigmaLayout *leaves,
                                                         intptr_t leafCount, EnigmaTiler *result,
                                                         EnigmaLayoutError *error);

/// Parses a tiler: a layout ("4:2", "(2,4):(1,8)"), an integer n (n:1), "_",
/// or a parenthesized list of tilers ("(3:3,(2,4):(1,8))", "(16,8)").
/// `length` < 0 means NUL-terminated. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaTilerParse(const char *text, intptr_t length,
                                                         EnigmaTiler *result,
                                                         EnigmaLayoutError *error);

/// Prints a tiler ("(3:3,_,(2,4):(1,8))"), snprintf-style.
ENIGMA_CAPI_EXPORTED intptr_t enigmaTilerPrint(EnigmaTiler tiler, char *buffer, intptr_t capacity);

/// Releases a tiler. NULL is ignored.
ENIGMA_CAPI_EXPORTED void enigmaTilerDestroy(EnigmaTiler tiler);

/// Kind queries. A tiler is exactly one of: tuple, underscore, integer,
/// layout.
ENIGMA_CAPI_EXPORTED bool enigmaTilerIsTuple(EnigmaTiler tiler);
ENIGMA_CAPI_EXPORTED bool enigmaTilerIsUnderscore(EnigmaTiler tiler);
ENIGMA_CAPI_EXPORTED bool enigmaTilerIsInt(EnigmaTiler tiler);
/// The value of an integer tiler; 0 otherwise.
ENIGMA_CAPI_EXPORTED int64_t enigmaTilerGetInt(EnigmaTiler tiler);
/// Number of elements of a tuple tiler; 1 for any other tiler, 0 for NULL.
ENIGMA_CAPI_EXPORTED intptr_t enigmaTilerGetRank(EnigmaTiler tiler);

/// Element `index` of a tuple tiler. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaTilerGetElement(EnigmaTiler tiler, intptr_t index,
                                                              EnigmaTiler *result,
                                                              EnigmaLayoutError *error);

/// The layout of a layout tiler (n:1 for an integer tiler n). Caller owns
/// *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaTilerGetLayout(EnigmaTiler tiler,
                                                             EnigmaLayout *result,
                                                             EnigmaLayoutError *error);

/*===----------------------------------------------------------------------===*/
/* Algebra. Every function returns a new layout the caller owns.              */
/*===----------------------------------------------------------------------===*/

/// coalesce: the flattest layout with the same size that equals `layout` as
/// a function on [0, size): modes of size 1 are dropped and adjacent modes
/// s0:d0, s1:s0*d0 merge. Mode order is never changed.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutCoalesce(EnigmaLayout layout,
                                                             EnigmaLayout *result,
                                                             EnigmaLayoutError *error);

/// By-mode coalesce: recurses into `profile` and coalesces the sub-layout at
/// each integer of the profile (values are ignored); modes past the
/// profile's rank are kept. An integer profile coalesces everything.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutCoalesceByMode(EnigmaLayout layout,
                                                                   EnigmaIntTuple profile,
                                                                   EnigmaLayout *result,
                                                                   EnigmaLayoutError *error);

/// filter: coalesce after removing stride-0 modes (1:0 if nothing is left).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutFilter(EnigmaLayout layout,
                                                           EnigmaLayout *result,
                                                           EnigmaLayoutError *error);

/// composition(a, b) = a o b, the result's shape compatible with b's. Each
/// mode s:d of b is composed exactly (result_k(j) = a(j*d) for j < s) and the
/// composition distributes over b's modes, as in CuTe, so result(c) ==
/// a(b(c)) wherever a adds up over b's modes (always for tiles that divide a
/// evenly). Fails with ENIGMA_LAYOUT_ERROR_DIVISIBILITY naming the mode and
/// values when the stride divisibility condition (the remaining stride is a
/// multiple of each mode it steps over, or lands inside a mode and stays
/// there) or the shape divisibility condition (the remaining size is a
/// multiple of what each mode provides) does not hold.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutCompose(EnigmaLayout a, EnigmaLayout b,
                                                            EnigmaLayout *result,
                                                            EnigmaLayoutError *error);

/// composition(a, tiler): by-mode composition for a tuple tiler (mode i of
/// `a` composed with element i; modes past the tiler are dropped, as in
/// CuTe), plain composition for a layout tiler, `a` itself for "_".
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutComposeTiler(EnigmaLayout a, EnigmaTiler tiler,
                                                                 EnigmaLayout *result,
                                                                 EnigmaLayoutError *error);

/// complement(layout, cotarget): the ordered layout of the "rest" of
/// `cotarget`'s codomain that `layout` does not reach, so that
/// (layout, result) is injective and covers cotarget (e.g.
/// complement(4:2, 24) = (2,3):(1,8)). `cotarget` is an IntTuple (a size or
/// a shape); NULL means cosize(filter(layout)). Fails with
/// ENIGMA_LAYOUT_ERROR_NOT_INJECTIVE when the sorted modes overlap.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutComplement(EnigmaLayout layout,
                                                               EnigmaIntTuple cotarget,
                                                               EnigmaLayout *result,
                                                               EnigmaLayoutError *error);

/// right_inverse: the largest R with layout(R(i)) == i for i < size(R)
/// (1:0 when none), coalesced.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutRightInverse(EnigmaLayout layout,
                                                                 EnigmaLayout *result,
                                                                 EnigmaLayoutError *error);

/// left_inverse (CuTe 4.2's quasi-inverse, built from the gaps between the
/// sorted strides): result(layout(i)) == i for i < size(layout) when layout
/// is injective. Fails with ENIGMA_LAYOUT_ERROR_NOT_INJECTIVE when a stride
/// is not a multiple of the extent below it.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutLeftInverse(EnigmaLayout layout,
                                                                EnigmaLayout *result,
                                                                EnigmaLayoutError *error);

/// logical_divide(a, tiler) = a o (B, complement(B, shape(coalesce(a)))) for a layout
/// tiler B, applied by mode for a tuple tiler: each divided mode becomes
/// (tile, rest). Fails with ENIGMA_LAYOUT_ERROR_TILER_EXCEEDS_TENSOR, naming
/// the mode and both sizes, when a tile's cosize exceeds the size of the
/// mode it divides, and with the composition's errors otherwise.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutLogicalDivide(EnigmaLayout a, EnigmaTiler tiler,
                                                                  EnigmaLayout *result,
                                                                  EnigmaLayoutError *error);

/// zipped_divide: ((tiles...), (rests..., other modes...)).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutZippedDivide(EnigmaLayout a, EnigmaTiler tiler,
                                                                 EnigmaLayout *result,
                                                                 EnigmaLayoutError *error);

/// tiled_divide: ((tiles...), rests..., other modes...).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutTiledDivide(EnigmaLayout a, EnigmaTiler tiler,
                                                                EnigmaLayout *result,
                                                                EnigmaLayoutError *error);

/// flat_divide: (tiles..., rests..., other modes...).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutFlatDivide(EnigmaLayout a, EnigmaTiler tiler,
                                                               EnigmaLayout *result,
                                                               EnigmaLayoutError *error);

/// logical_product(a, tiler) = (a, complement(a, size(a)*cosize(B)) o B) for
/// a layout tiler B, applied by mode for a tuple tiler.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutLogicalProduct(EnigmaLayout a,
                                                                   EnigmaTiler tiler,
                                                                   EnigmaLayout *result,
                                                                   EnigmaLayoutError *error);

/// zipped_product: ((blocks...), (repeats..., other modes...)).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutZippedProduct(EnigmaLayout a, EnigmaTiler tiler,
                                                                  EnigmaLayout *result,
                                                                  EnigmaLayoutError *error);

/// tiled_product: ((blocks...), repeats..., other modes...).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutTiledProduct(EnigmaLayout a, EnigmaTiler tiler,
                                                                 EnigmaLayout *result,
                                                                 EnigmaLayoutError *error);

/// flat_product: (blocks..., repeats..., other modes...).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutFlatProduct(EnigmaLayout a, EnigmaTiler tiler,
                                                                EnigmaLayout *result,
                                                                EnigmaLayoutError *error);

/// blocked_product(block, tiler): rank-sensitive product, block repeated as
/// contiguous blocks over the tiler; mode i of the result is the pair
/// (block_i, repetition_i) (not coalesced, as in CuTe 4.2). Rank is
/// max(rank(block), rank(tiler)).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutBlockedProduct(EnigmaLayout block,
                                                                   EnigmaLayout tiler,
                                                                   EnigmaLayout *result,
                                                                   EnigmaLayoutError *error);

/// raked_product(block, tiler): like blocked_product with the block's
/// elements interleaved across the repetitions: mode i is the pair
/// (repetition_i, block_i).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutRakedProduct(EnigmaLayout block,
                                                                 EnigmaLayout tiler,
                                                                 EnigmaLayout *result,
                                                                 EnigmaLayoutError *error);

/// make_layout_tv(thr, val), as CuTe: with mn = raked_product(thr, val),
/// *tiler = product_each(shape(mn)) (a tuple, the tile shape) and *tv =
/// right_inverse(mn) o (size(thr),size(val)):(1,size(thr)), the map from
/// (thread id, value id) to the column-major index in the tile. Both
/// handles are owned by the caller; on failure both are NULL.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutMakeTV(EnigmaLayout threadLayout,
                                                           EnigmaLayout valueLayout,
                                                           EnigmaIntTuple *tiler, EnigmaLayout *tv,
                                                           EnigmaLayoutError *error);

/*===----------------------------------------------------------------------===*/
/* Recasting and tiling to a shape                                            */
/*===----------------------------------------------------------------------===*/

/// CuTe upcast<n>: the layout of the same memory seen through elements n
/// times wider. A mode of stride d becomes ceil(s / ceil(n/|d|)) :
/// sign(d)*ceil(|d|/n); stride-0 modes are unchanged. Fails with
/// ENIGMA_LAYOUT_ERROR_DIVISIBILITY when a stride and n do not divide one
/// another (CuTe's static assertion). n >= 1. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutUpcast(EnigmaLayout layout, int64_t n,
                                                           EnigmaLayout *result,
                                                           EnigmaLayoutError *error);

/// CuTe downcast<n>: elements n times narrower. Modes of stride +-1 get n
/// times their shape, every other stride is multiplied by n. The layout must
/// have a stride-1 mode (CuTe's "downcast requires adjacent elements").
/// n >= 1. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutDowncast(EnigmaLayout layout, int64_t n,
                                                             EnigmaLayout *result,
                                                             EnigmaLayoutError *error);

/// CuTe recast_layout<OldType, NewType>: with newBits/oldBits = num/den in
/// lowest terms, downcast<den>(upcast<num>(layout)) (each step skipped when
/// its factor is 1). E.g. 32-bit elements over (8,8):(8,1) in 16-bit units
/// give (8,4):(4,1). Both widths >= 1. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutRecast(EnigmaLayout layout, int64_t newBits,
                                                           int64_t oldBits, EnigmaLayout *result,
                                                           EnigmaLayoutError *error);

/// CuTe tile_to_shape(block, targetShape, order): block (padded with 1:0 modes
/// to the rank of targetShape, which must not be smaller than the block's)
/// repeated by blocked_product over make_ordered_layout(target / block,
/// order), so that mode i of the result is (block_i, repetitions_i) and has
/// the size of mode i of targetShape. Each target mode size must be a multiple
/// of the block's (ENIGMA_LAYOUT_ERROR_DIVISIBILITY otherwise). `order` NULL
/// repeats column-major (mode 0 first). Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaLayoutTileToShape(EnigmaLayout block,
                                                                EnigmaIntTuple targetShape,
                                                                EnigmaIntTuple order,
                                                                EnigmaLayout *result,
                                                                EnigmaLayoutError *error);

/*===----------------------------------------------------------------------===*/
/* Swizzles and swizzled (composed) layouts                                   */
/*===----------------------------------------------------------------------===*/

/// CuTe's Swizzle<B,M,S> (bits, base, shift): with
///   yyy = ((1<<B)-1) << (M + max(0,S)),  zzz = ((1<<B)-1) << (M - min(0,S)),
/// swizzle(x) = x ^ shiftr(x & yyy, S), where shiftr by a negative S shifts
/// left. It XORs the B bits at zzz with the B bits at yyy, so it is its own
/// inverse. Valid when B >= 0, M >= 0, |S| >= B and B + M + |S| <= 62.
typedef struct EnigmaSwizzle {
  int32_t bits;
  int32_t base;
  int32_t shift;
} EnigmaSwizzle;

/// Checks the parameters (see EnigmaSwizzle).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaSwizzleVerify(EnigmaSwizzle swizzle,
                                                            EnigmaLayoutError *error);

/// The two masks (yyy, zzz) of a valid swizzle; both 0 for an invalid one.
ENIGMA_CAPI_EXPORTED void enigmaSwizzleGetMasks(EnigmaSwizzle swizzle, int64_t *yyyMask,
                                                int64_t *zzzMask);

/// swizzle(offset). Any int64_t offset (negative ones as two's complement,
/// like Python ints). Fails only for an invalid swizzle.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaSwizzleApply(EnigmaSwizzle swizzle, int64_t offset,
                                                           int64_t *result,
                                                           EnigmaLayoutError *error);

/// A swizzled layout, CuTe's ComposedLayout<Swizzle, Offset, Layout>:
/// c -> swizzle(offset + layout(c)). Its domain (shape, size, rank, modes)
/// is the layout's. Opaque and immutable like the other handles.
typedef struct EnigmaComposedLayoutImpl *EnigmaComposedLayout;

/// Creates swizzle o offset o layout (CuTe make_composed_layout; the layout is
/// copied). Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaComposedLayoutCreate(EnigmaSwizzle swizzle,
                                                                   int64_t offset,
                                                                   EnigmaLayout layout,
                                                                   EnigmaComposedLayout *result,
                                                                   EnigmaLayoutError *error);

/// Parses CuTe's printed form "Sw<3,4,3> o 0 o (8,64):(64,1)" (the offset
/// and its "o" may be omitted; "_" prefixes are accepted). `length` < 0
/// means NUL-terminated. Caller owns *result.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaComposedLayoutParse(const char *text, intptr_t length,
                                                                  EnigmaComposedLayout *result,
                                                                  EnigmaLayoutError *error);

/// Prints "Sw<B,M,S> o offset o shape:stride", snprintf-style.
ENIGMA_CAPI_EXPORTED intptr_t enigmaComposedLayoutPrint(EnigmaComposedLayout layout, char *buffer,
                                                        intptr_t capacity);

/// Releases a composed layout. NULL is ignored.
ENIGMA_CAPI_EXPORTED void enigmaComposedLayoutDestroy(EnigmaComposedLayout layout);

/// Equality of the three parts. NULL equals only NULL.
ENIGMA_CAPI_EXPORTED bool enigmaComposedLayoutEqual(EnigmaComposedLayout a, EnigmaComposedLayout b);

/// The parts. GetSwizzle/GetOffset return zeros for NULL; GetLayout returns
/// a copy the caller owns.
ENIGMA_CAPI_EXPORTED EnigmaSwizzle enigmaComposedLayoutGetSwizzle(EnigmaComposedLayout layout);
ENIGMA_CAPI_EXPORTED int64_t enigmaComposedLayoutGetOffset(EnigmaComposedLayout layout);
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaComposedLayoutGetLayout(EnigmaComposedLayout layout,
                                                                      EnigmaLayout *result,
                                                                      EnigmaLayoutError *error);

/// size: the layout's size.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaComposedLayoutSize(EnigmaComposedLayout layout,
                                                                 int64_t *result,
                                                                 EnigmaLayoutError *error);

/// cosize: 1 + the largest offset produced on [0, size), so a buffer of
/// cosize elements holds every element. Exact (by enumeration) up to 2^22
/// elements; above that an upper bound that is exact when the swizzle only
/// permutes inside aligned blocks of the pre-swizzle range: every bit at or
/// below the highest bit the swizzle may change is taken as set (fails with
/// ENIGMA_LAYOUT_ERROR_UNSUPPORTED if the pre-swizzle offsets can be
/// negative). CuTe returns the inner layout's cosize instead, which is the
/// same for the usual swizzled shared-memory layouts.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaComposedLayoutCosize(EnigmaComposedLayout layout,
                                                                   int64_t *result,
                                                                   EnigmaLayoutError *error);

/// swizzle(offset + layout(coord)); `coord` as in enigmaLayoutCrd2Idx.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaComposedLayoutCrd2Idx(EnigmaComposedLayout layout,
                                                                    EnigmaIntTuple coord,
                                                                    int64_t *result,
                                                                    EnigmaLayoutError *error);

/// swizzle(offset + layout(index)) for an integer coordinate (index >= 0).
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus enigmaComposedLayoutEvaluate(EnigmaComposedLayout layout,
                                                                     int64_t index, int64_t *result,
                                                                     EnigmaLayoutError *error);

/// out[k] = composed(begin + k) for 0 <= k < count.
ENIGMA_CAPI_EXPORTED EnigmaLayoutStatus
enigmaComposedLayoutEvaluateRange(EnigmaComposedLayout layout, int64_t begin, intptr_t count,
                                  int64_t *out, EnigmaLayoutError *error);

#ifdef __cplusplus
}
#endif

#endif /* ENIGMA_C_LAYOUT_H */
