"""matdiff: a derivative calculator for matrix calculus.

    matdiff d "tr(A X B X^T C)" wrt X      →  B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ

The pipeline, one module per stage, each importing only earlier ones:
grammar/matdiff.lark → parse → shapes (kinds, dimensions) → expr/build →
differential → derivative → simplify → layout → render → cli.
"""

__version__ = "0.1.0"
