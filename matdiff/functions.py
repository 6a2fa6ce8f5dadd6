"""The registry of named functions: which names are built in and what they mean.

Scalar functions apply to a scalar, or element-wise to a vector or matrix
(NumPy's convention). Matrix functions (expm, sinm, ...) are the power series of
a scalar function evaluated at a square matrix. The derivatives of these
functions are not written here: `matdiff.calculus` asks SymPy for them.
"""

from __future__ import annotations

# scalar / element-wise functions: name -> (NumPy spelling, LaTeX spelling)
SCALAR_FUNCTIONS: dict[str, tuple[str, str]] = {
    "exp": ("np.exp", r"\exp"),
    "log": ("np.log", r"\log"),
    "sin": ("np.sin", r"\sin"),
    "cos": ("np.cos", r"\cos"),
    "tan": ("np.tan", r"\tan"),
    "tanh": ("np.tanh", r"\tanh"),
    "sinh": ("np.sinh", r"\sinh"),
    "cosh": ("np.cosh", r"\cosh"),
    "sqrt": ("np.sqrt", r"\operatorname{sqrt}"),
}
ALIASES = {"ln": "log"}

# matrix functions: name -> the scalar function whose power series it is
MATRIX_FUNCTIONS: dict[str, str] = {
    "expm": "exp", "sinm": "sin", "cosm": "cos", "tanm": "tan", "sinhm": "sinh",
    "coshm": "cosh", "tanhm": "tanh", "logm": "log", "sqrtm": "sqrt",
}
MATRIX_OF_SCALAR = {v: k for k, v in MATRIX_FUNCTIONS.items()}

# the other built-ins, with their number of arguments
OTHER_FUNCTIONS: dict[str, int] = {
    "tr": 1, "det": 1, "logdet": 1, "norm": 1, "adj": 1, "pinv": 1, "inv": 1,
    "kron": 2, "hadamard": 2, "cross": 2, "diag": 1, "skew": 1,
}

BUILTINS = set(SCALAR_FUNCTIONS) | set(ALIASES) | set(MATRIX_FUNCTIONS) | set(OTHER_FUNCTIONS)


def canonical(name: str) -> str:
    return ALIASES.get(name, name)
