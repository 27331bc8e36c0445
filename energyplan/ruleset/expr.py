"""The safe `when` language: parse with `ast`, allow a tiny whitelist, compile to vectorized closures.

Null semantics (SQL-like, three-valued): a comparison or arithmetic with a null operand is *unknown*;
`not unknown` stays unknown; `and`/`or` follow Kleene logic (false and unknown = false, true or unknown =
true); a rule fires only where its predicate is definitely true. `is_null(x)` / `not_null(x)` are the way
to test nulls, `coalesce(x, default)` the way to replace them.

Nothing here hands user text to eval, exec, compile, DataFrame.query or pandas.eval: the parse tree is
checked node by node and turned into a tree of Python closures over pandas operations. pandas is
imported only inside the compiled closures' builder, so `rules list` can validate rule files without it.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from energyplan.errors import RulePackError

MAX_LENGTH = 2000  # a one-line predicate; longer text is almost surely a mistake (and deep nesting a DoS)
# Nesting beyond this is no real predicate (the catalog's deepest is 6); it would exhaust the stack in
# the checker, the compiler or the evaluation (`not` x490, unary minus x600 did).
MAX_DEPTH = 50
# Number literals: finite and within ±1e15 (exact in float64, so comparisons with float columns never
# overflow; a 401-digit integer did).
MAX_LITERAL = 10**15
FUNCTIONS: dict[str, int] = {
    "is_null": 1,
    "not_null": 1,
    "coalesce": 2,
    "abs": 1,
    "min": 2,
    "max": 2,
    "days": 1,
}
_COMPARE = {
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
# Friendly names for the constructs people most often try, so the error says what to change.
_FORBIDDEN = {
    ast.Attribute: "attribute access (x.y)",
    ast.Subscript: "subscript (x[...])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension (generator expression)",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.NamedExpr: "walrus assignment (:=)",
    ast.Starred: "starred expression (*x)",
    ast.IfExp: "conditional expression (x if c else y)",
    ast.Dict: "dict literal",
    ast.Set: "set literal",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}


class ExprError(RulePackError):
    """A `when` expression that is not in the safe language."""


@dataclass(frozen=True)
class Parsed:
    """A checked `when` expression: its tree and the names it reads."""

    text: str
    tree: ast.Expression
    names: frozenset[str]


def _fail(source: str, key: str, what: str) -> ExprError:
    return ExprError(f"{source}: {key}: {what}")


def parse_when(text: str, *, source: str = "<rule>", key: str = "when") -> Parsed:
    """Parse and check `text`; raise ExprError naming the construct and the file on anything unsafe."""
    if not isinstance(text, str) or not text.strip():
        raise _fail(source, key, "must be a non-empty expression string")
    if len(text) > MAX_LENGTH:
        raise _fail(source, key, f"is {len(text)} characters long; keep a predicate under {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise _fail(source, key, f"is not a valid expression ({exc.msg}, column {exc.offset}): {text!r}") from None
    except (RecursionError, MemoryError, ValueError):
        raise _fail(source, key, "is nested too deeply or contains a null byte") from None
    names: set[str] = set()
    try:
        _check(tree.body, source, key, names, 0)
    except RecursionError:
        raise _fail(source, key, "is nested too deeply") from None
    return Parsed(text, tree, frozenset(names))


def _check_literal(value: object, fail: Callable[[str], ExprError]) -> None:
    if isinstance(value, (bytes, complex)) or value is Ellipsis:
        raise fail(f"constant {value!r} is not allowed (numbers, strings, true/false, None only)")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    # abs() first: a huge int overflows isfinite; str() is safe as the text is under MAX_LENGTH
    if number and (abs(value) > MAX_LITERAL or not math.isfinite(value)):  # type: ignore[arg-type]
        shown = f"a {len(str(abs(value)))}-digit integer" if isinstance(value, int) else f"the number {value!r}"
        raise fail(f"{shown} is out of range: number literals are finite and within ±1e15")


def _check(node: ast.AST, source: str, key: str, names: set[str], depth: int) -> None:
    """Walk the tree; every node kind not handled here is rejected."""
    fail = lambda what: _fail(source, key, what)  # noqa: E731 - short local helper
    if depth > MAX_DEPTH:
        raise fail(f"is nested more than {MAX_DEPTH} levels deep; split it or simplify it")
    depth += 1
    if isinstance(node, ast.Name):
        if node.id.startswith("__"):
            raise fail(f"dunder name {node.id!r} is not allowed")
        if node.id in FUNCTIONS:
            raise fail(f"{node.id} is a function; call it as {node.id}(...)")
        names.add(node.id)
    elif isinstance(node, ast.Constant):
        _check_literal(node.value, fail)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, source, key, names, depth)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.Not, ast.USub)):
            raise fail(f"operator {type(node.op).__name__} is not allowed (only `not` and unary `-`)")
        _check(node.operand, source, key, names, depth)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _ARITH:
            raise fail(f"operator {type(node.op).__name__} is not allowed (only + - * /)")
        _check(node.left, source, key, names, depth)
        _check(node.right, source, key, names, depth)
    elif isinstance(node, ast.Compare):
        _check(node.left, source, key, names, depth)
        operands = [node.left, *node.comparators]
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.List, ast.Tuple)) or not all(
                    isinstance(e, ast.Constant) and isinstance(e.value, (int, float, str, bool)) for e in right.elts
                ):
                    raise fail("`in` / `not in` need a literal list of constants, e.g. x in ['a', 'b']")
                for e in right.elts:  # a List/Tuple of Constants, checked above
                    _check_literal(e.value, fail)  # type: ignore[attr-defined]
            elif isinstance(op, (ast.Is, ast.IsNot)):
                raise fail("`is` / `is not` are not allowed; test nulls with is_null(x) or not_null(x)")
            else:
                _check(right, source, key, names, depth)
        if any(isinstance(o, ast.Constant) and o.value is None for o in operands):
            raise fail("a comparison with None is never true; test nulls with is_null(x) or not_null(x)")
    elif isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            raise fail("attribute access (x.y(...)) is not allowed; functions: " + ", ".join(FUNCTIONS))
        if not isinstance(node.func, ast.Name):
            raise fail("only calls of plain function names are allowed: " + ", ".join(FUNCTIONS))
        fname = node.func.id
        if fname.startswith("__"):
            raise fail(f"dunder name {fname!r} is not allowed")
        if fname not in FUNCTIONS:
            raise fail(f"call of {fname!r} is not allowed; functions: {', '.join(FUNCTIONS)}")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise fail(f"{fname}() takes plain positional arguments only")
        if len(node.args) != FUNCTIONS[fname]:
            raise fail(f"{fname}() takes {FUNCTIONS[fname]} argument(s), got {len(node.args)}")
        for arg in node.args:
            _check(arg, source, key, names, depth)
    elif isinstance(node, (ast.List, ast.Tuple)):
        raise fail("a list is only allowed on the right of `in` / `not in`")
    else:
        what = _FORBIDDEN.get(type(node), f"{type(node).__name__} expression")
        raise fail(f"{what} is not allowed in the rule language")


# ---- compilation (pandas is imported when a predicate is compiled, never at module import) ----------

Value = Any  # a pandas Series or a scalar
Node = Callable[[Any, dict[str, Any]], Value]


def compile_when(parsed: Parsed, *, env_names: Collection[str], source: str = "<rule>") -> Callable[..., Any]:
    """A function (frame, env) -> boolean numpy array: True where the rule fires.

    Names in `env_names` (params, as_of, target_*) are looked up in `env`; every other name is a column.
    """
    import numpy as np
    import pandas as pd

    ops = _Ops(pd, np, frozenset(env_names), source)
    node = ops.build(parsed.tree.body)

    def predicate(frame: Any, env: dict[str, Any]) -> Any:
        try:
            value = ops.as_bool(node(frame, env), "the expression")
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:
            # e.g. a product of parameters too large for a column's dtype: the rule, not the plan, is wrong
            raise RulePackError(f"{source}: when: cannot evaluate {parsed.text!r}: {exc}") from None
        if not isinstance(value, pd.Series):  # a scalar predicate (params only): same for every row
            return np.full(len(frame), value is True)
        return value.fillna(False).to_numpy(dtype=bool)

    return predicate


class _Ops:
    """Builds closures; each closure returns a Series or a scalar with the null semantics above."""

    def __init__(self, pd: Any, np: Any, env_names: frozenset[str], source: str) -> None:
        self.pd, self.np, self.env_names, self.source = pd, np, env_names, source

    # -- helpers ---------------------------------------------------------------------------------
    def isna(self, v: Value) -> Any:
        if isinstance(v, self.pd.Series):
            return v.isna()
        return v is None or (isinstance(v, float) and math.isnan(v)) or v is self.pd.NaT or v is self.pd.NA

    def as_bool(self, v: Value, what: str) -> Value:
        """A nullable-boolean Series (or a bool/None scalar); raise on non-boolean values."""
        pd = self.pd
        if isinstance(v, pd.Series):
            if v.dtype == "boolean":
                return v
            if v.dtype == bool or pd.api.types.infer_dtype(v, skipna=True) in ("boolean", "empty"):
                return v.astype("boolean")
            raise TypeError(f"{what} is not true/false (dtype {v.dtype}); compare it, e.g. x > 0")
        if v is None or isinstance(v, bool):
            return v
        raise TypeError(f"{what} is not true/false ({v!r}); compare it, e.g. x > 0")

    def mask_null(self, result: Value, *operands: Value) -> Value:
        """Set the result to unknown where any operand is null."""
        pd = self.pd
        nulls = [self.isna(o) for o in operands]
        if not isinstance(result, pd.Series):
            return None if any(n is True for n in nulls) else bool(result)
        out = result.astype("boolean")
        for n in nulls:
            if isinstance(n, pd.Series):
                out = out.mask(n.to_numpy(), pd.NA)
            elif n:
                out = pd.Series(pd.NA, index=out.index, dtype="boolean")
        return out

    def numeric(self, v: Value) -> Value:
        pd = self.pd
        if isinstance(v, pd.Series) and v.dtype in (bool, "boolean"):
            raise TypeError("arithmetic on a true/false column")
        if isinstance(v, pd.Series) and (v.dtype == object or pd.api.types.is_string_dtype(v.dtype)):
            raise TypeError("arithmetic on a text column")
        return v

    # -- builders --------------------------------------------------------------------------------
    def build(self, node: ast.AST) -> Node:
        method = getattr(self, f"_{type(node).__name__}")
        return method(node)

    def _Name(self, node: ast.Name) -> Node:
        name = node.id
        if name in self.env_names:
            return lambda frame, env: env.get(name)

        def column(frame: Any, env: dict[str, Any]) -> Value:
            if name not in frame.columns:
                raise RulePackError(f"{self.source}: when: no column {name!r} in this table")
            return frame[name]

        return column

    def _Constant(self, node: ast.Constant) -> Node:
        value = node.value
        return lambda frame, env: value

    def _BoolOp(self, node: ast.BoolOp) -> Node:
        parts = [self.build(v) for v in node.values]
        is_and = isinstance(node.op, ast.And)

        def boolop(frame: Any, env: dict[str, Any]) -> Value:
            acc = self.as_bool(parts[0](frame, env), "an operand of and/or")
            for part in parts[1:]:
                right = self.as_bool(part(frame, env), "an operand of and/or")
                acc = self._kleene(acc, right, is_and)
            return acc

        return boolop

    def _kleene(self, a: Value, b: Value, is_and: bool) -> Value:
        pd = self.pd
        if isinstance(a, pd.Series) or isinstance(b, pd.Series):
            # pandas' nullable boolean & and | implement Kleene logic; pd.NA stands for a null scalar.
            a = pd.NA if a is None else a
            b = pd.NA if b is None else b
            return (a & b) if is_and else (a | b)
        if is_and:
            return False if (a is False or b is False) else (None if (a is None or b is None) else True)
        return True if (a is True or b is True) else (None if (a is None or b is None) else False)

    def _UnaryOp(self, node: ast.UnaryOp) -> Node:
        inner = self.build(node.operand)
        if isinstance(node.op, ast.Not):

            def negate(frame: Any, env: dict[str, Any]) -> Value:
                v = self.as_bool(inner(frame, env), "the operand of not")
                if isinstance(v, self.pd.Series):
                    return ~v  # nullable boolean: ~NA is NA, so `not` never turns unknown into true
                return None if v is None else not v

            return negate

        def neg(frame: Any, env: dict[str, Any]) -> Value:
            v = self.numeric(inner(frame, env))
            return None if v is None else -v

        return neg

    def _BinOp(self, node: ast.BinOp) -> Node:
        left, right = self.build(node.left), self.build(node.right)
        op = _ARITH[type(node.op)]
        is_div = isinstance(node.op, ast.Div)

        def arith(frame: Any, env: dict[str, Any]) -> Value:
            a, b = self.numeric(left(frame, env)), self.numeric(right(frame, env))
            if a is None or b is None:
                return None
            if is_div:
                # x / 0 is unknown (null), never ±inf that would then compare as a huge number.
                if isinstance(b, self.pd.Series):
                    b = b.astype("float64").mask(b == 0)
                elif b == 0:
                    return None
            return op(a, b)

        return arith

    def _Compare(self, node: ast.Compare) -> Node:
        operands = [node.left, *node.comparators]
        pairs = []
        for i, op in enumerate(node.ops):
            left = self.build(operands[i])
            if isinstance(op, (ast.In, ast.NotIn)):
                values = [e.value for e in operands[i + 1].elts]
                pairs.append(self._membership(left, values, isinstance(op, ast.NotIn)))
            else:
                pairs.append(self._binary_compare(left, self.build(operands[i + 1]), _COMPARE[type(op)]))

        def compare(frame: Any, env: dict[str, Any]) -> Value:
            acc = pairs[0](frame, env)
            for pair in pairs[1:]:  # a < b < c means a < b and b < c
                acc = self._kleene(acc, pair(frame, env), True)
            return acc

        return compare

    def _binary_compare(self, left: Node, right: Node, op: tuple[str, Callable[[Any, Any], Any]]) -> Node:
        symbol, fn = op

        def cmp(frame: Any, env: dict[str, Any]) -> Value:
            a, b = left(frame, env), right(frame, env)
            if self.isna(a) is True or self.isna(b) is True:
                return self._unknown(frame, a, b)
            try:
                result = fn(a, b)
            except TypeError as exc:
                raise TypeError(f"cannot compare with {symbol}: {exc}") from None
            return self.mask_null(result, a, b)

        return cmp

    def _unknown(self, frame: Any, *operands: Value) -> Value:
        if any(isinstance(o, self.pd.Series) for o in operands):
            return self.pd.Series(self.pd.NA, index=frame.index, dtype="boolean")
        return None

    def _membership(self, left: Node, values: list[Any], negate: bool) -> Node:
        def member(frame: Any, env: dict[str, Any]) -> Value:
            a = left(frame, env)
            if isinstance(a, self.pd.Series):
                result = a.isin(values)
                if negate:
                    result = ~result
                return self.mask_null(result, a)
            if self.isna(a):
                return None
            return (a in values) != negate

        return member

    def _Call(self, node: ast.Call) -> Node:
        args = [self.build(a) for a in node.args]
        fname = node.func.id  # type: ignore[attr-defined]  # checked by parse_when
        impl = getattr(self, f"_fn_{fname}")
        return lambda frame, env: impl(frame, *(a(frame, env) for a in args))

    def _fn_is_null(self, frame: Any, x: Value) -> Value:
        n = self.isna(x)
        return n.astype("boolean") if isinstance(n, self.pd.Series) else bool(n)

    def _fn_not_null(self, frame: Any, x: Value) -> Value:
        n = self._fn_is_null(frame, x)
        return ~n if isinstance(n, self.pd.Series) else not n

    def _fn_coalesce(self, frame: Any, x: Value, default: Value) -> Value:
        if isinstance(x, self.pd.Series):
            return x.where(~x.isna(), default)
        return default if self.isna(x) else x

    def _fn_abs(self, frame: Any, x: Value) -> Value:
        x = self.numeric(x)
        return None if x is None else abs(x)

    def _minmax(self, a: Value, b: Value, pick_min: bool) -> Value:
        a, b = self.numeric(a), self.numeric(b)
        if a is None or b is None:
            return None
        if isinstance(a, self.pd.Series) or isinstance(b, self.pd.Series):
            # np.minimum/maximum (unlike fmin/fmax) propagate NaN/NaT: a null operand gives a null result.
            return (self.np.minimum if pick_min else self.np.maximum)(a, b)
        return min(a, b) if pick_min else max(a, b)

    def _fn_min(self, frame: Any, a: Value, b: Value) -> Value:
        return self._minmax(a, b, True)

    def _fn_max(self, frame: Any, a: Value, b: Value) -> Value:
        return self._minmax(a, b, False)

    def _fn_days(self, frame: Any, x: Value) -> Value:
        x = self.numeric(x)
        if isinstance(x, self.pd.Series):
            return self.pd.to_timedelta(x, unit="D")
        return None if self.isna(x) else self.pd.Timedelta(days=x)

