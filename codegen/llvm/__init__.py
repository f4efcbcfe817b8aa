"""The llvm backend: kernel IR and element-wise expressions → LLVM IR (llvmlite) → native code.

`codegen.build_function(..., backend="llvm")` (codegen.llvm.function) compiles element-wise
kernels and `Problem.compile(backend="llvm")` (codegen.llvm.nlp) the kernels of an NLP; both
JIT in-process and write object files, shared libraries and C headers.
"""
