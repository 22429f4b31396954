"""Runtime signatures of the compiled functions, read from the package's own stub _flowprior.pyi.

pybind11 functions have no __text_signature__, so inspect.signature (and the tools built on it: IDE hints in
Jupyter, help() headers, argument checkers) fails on them. The module-level functions flowprior exports are
therefore thin Python wrappers carrying __signature__ from the stub (names, kinds, literal defaults), with the
compiled function's docstring; calling one calls the compiled function unchanged."""
import ast
import functools
import inspect
import os


class _Default:
    """A default the stub does not spell out (pybind11 shows it as ...): printed as its C++ default."""

    def __repr__(self):
        return "..."


def stub_signatures(path=None):
    """name -> inspect.Signature of every module-level function in _flowprior.pyi."""
    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), "_flowprior.pyi")
    with open(path) as f:
        tree = ast.parse(f.read())
    out = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        a = node.args
        params = []
        positional = a.posonlyargs + a.args
        first_default = len(positional) - len(a.defaults)
        for i, arg in enumerate(positional):
            kind = (inspect.Parameter.POSITIONAL_ONLY if arg in a.posonlyargs
                    else inspect.Parameter.POSITIONAL_OR_KEYWORD)
            default = inspect.Parameter.empty
            if i >= first_default:
                default = _literal(a.defaults[i - first_default])
            params.append(inspect.Parameter(arg.arg, kind, default=default))
        if a.vararg:
            params.append(inspect.Parameter(a.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
        for arg, default in zip(a.kwonlyargs, a.kw_defaults):
            params.append(inspect.Parameter(arg.arg, inspect.Parameter.KEYWORD_ONLY,
                                            default=inspect.Parameter.empty if default is None else _literal(default)))
        if a.kwarg:
            params.append(inspect.Parameter(a.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
        out[node.name] = inspect.Signature(params)
    return out


def _literal(node):
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return _Default()
    return _Default() if value is Ellipsis else value


def with_signature(function, signature):
    """A Python wrapper of a compiled function with the given signature and the compiled docstring."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)

    wrapper.__signature__ = signature
    wrapper.__module__ = "flowprior"
    wrapper.__wrapped__ = function
    return wrapper
