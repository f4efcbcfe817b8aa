"""Optimize LLVM IR for the host CPU, JIT it for in-process calls, write .o/.so/.h for C.

The pipeline is LLVM's own ``O3`` through the new pass manager, with loop and SLP vectorization
on, for the host CPU and all its features (math calls vectorize through libmvec, see
`codegen.llvm.vecmath`). The JIT is MCJIT; functions are called through ctypes with NumPy
arrays. Object files and libraries run on CPUs with the same features as this one.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import llvmlite.binding as llvm
import numpy as np

from .emit import FLOAT_TYPES, CFunction
from .names import c_name
from .vecmath import LIBMVEC, define_wrappers


@lru_cache(maxsize=None)
def _initialized() -> bool:
    """Set LLVM up once: native target and printer, libm and libmvec visible to the JIT."""
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    if LIBMVEC:
        llvm.load_library_permanently(LIBMVEC)
    libm = ctypes.util.find_library("m")
    if libm:
        llvm.load_library_permanently(libm)
    return True


def target_machine(pic: bool = False) -> llvm.TargetMachine:
    """A new target machine for this CPU (all its features); ``pic`` for shared libraries.

    New each time: an MCJIT engine takes ownership of (and frees) the machine it is given.

    >>> target_machine().triple == llvm.get_process_triple()
    True
    """
    _initialized()
    target = llvm.Target.from_triple(llvm.get_process_triple())
    return target.create_target_machine(cpu=llvm.get_host_cpu_name(),
                                        features=llvm.get_host_cpu_features().flatten(),
                                        opt=3, reloc="pic" if pic else "default",
                                        codemodel="default")


@lru_cache(maxsize=None)
def _pipeline_machine() -> llvm.TargetMachine:
    """The machine the pass pipeline plans for (kept; never handed to an engine)."""
    return target_machine()


def optimize(ir_text: str) -> llvm.ModuleRef:
    r"""Parse and verify ``ir_text``, run the O3 pipeline with vectorization, return the module.

    >>> m = optimize("define double @f(double %a) {\n  %b = fmul double %a, 1.0\n  ret double %b\n}")
    >>> "fmul" in str(m)
    False
    """
    tm = _pipeline_machine()
    mod = llvm.parse_assembly(ir_text)
    mod.triple = tm.triple
    mod.data_layout = str(tm.target_data)
    mod.verify()
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    pto.loop_unrolling = True
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)
    return mod


def _c_compiler() -> str | None:
    """The system C compiler: $CC, else cc, gcc or clang on PATH."""
    for cand in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if cand and shutil.which(cand):
            return shutil.which(cand)
    return None


class NativeLibrary:
    """Functions compiled to native code: callable in-process, writable as .o/.so/.h.

    ``source`` is the LLVM IR as emitted (readable); ``optimized`` the IR after the pipeline.
    """

    def __init__(self, ir_text: str, functions: list[CFunction], dtype: str, note: str = ""):
        source = define_wrappers(ir_text)
        module = optimize(source)
        code = target_machine(pic=True).emit_object(module)   # one code generation: JIT and .o
        self._load(source, str(module), functions, dtype, note, code)

    @classmethod
    def from_object(cls, source: str, optimized: str, functions: list[CFunction], dtype: str,
                    note: str, code: bytes) -> "NativeLibrary":
        """A library from object code built earlier (`object_code`) on this machine."""
        self = cls.__new__(cls)
        self._load(source, optimized, functions, dtype, note, code)
        return self

    def _load(self, source: str, optimized: str, functions: list[CFunction], dtype: str,
              note: str, code: bytes) -> None:
        """Load object ``code`` into an MCJIT engine and bind its functions."""
        self._setup(source, optimized, functions, dtype, note)
        self._object = code
        _initialized()
        self._engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), target_machine())
        self._engine.add_object_file(llvm.ObjectFileRef.from_data(code))
        self._bind()

    def _setup(self, source: str, optimized: str, functions: list[CFunction], dtype: str,
               note: str) -> None:
        self.source = source
        self.optimized = optimized
        self.functions = {f.name: f for f in functions}
        self.dtype = np.dtype(dtype)
        self.note = note
        self.libraries = ["-lmvec", "-lm"] if "@_ZGV" in optimized else ["-lm"]
        self.element = ctypes.c_double if self.dtype.name == "float64" else ctypes.c_float

    def _bind(self) -> None:
        """Finalize the engine and make a ctypes function for each native function."""
        self._engine.finalize_object()
        ctype = self.element
        kinds = {"array": ctypes.POINTER(ctype), "output": ctypes.POINTER(ctype),
                 "scalar": ctype, "index": ctypes.c_int64}
        self.cfuncs = {}
        for f in self.functions.values():
            address = self._engine.get_function_address(c_name(f.name))
            if not address:
                raise RuntimeError(f"native function {f.name} is missing from the library")
            proto = ctypes.CFUNCTYPE(ctype if f.returns_value else None,
                                     *[kinds[p.kind] for p in f.params])
            self.cfuncs[f.name] = proto(address)

    def object_code(self) -> bytes:
        """Position-independent object code of the optimized IR (an ELF .o on Linux)."""
        return self._object

    def ref(self, a: np.ndarray):
        """``a`` (C-contiguous, of the library's dtype) as a pointer argument; the caller keeps
        ``a`` alive during the call.

        ``from_buffer`` costs a third of ``a.ctypes.data`` but needs a writable buffer; an
        empty array becomes a pointer to one zero that the kernel never reads.
        """
        if a.size == 0:
            return self.element()
        if a.flags.writeable:
            return self.element.from_buffer(a)
        return self.element.from_address(a.ctypes.data)

    @property
    def ctype(self) -> str:
        return FLOAT_TYPES[self.dtype.name][1]

    def header(self, stem: str, extra: str = "") -> str:
        """The C header: the usage note, one prototype per function, then ``extra`` (data)."""
        guard = f"SYMPILE_{c_name(stem).upper()}_H"
        text = self.note.strip().replace("*/", "* /")   # a symbol name must not end the comment
        note = "\n".join((" * " + line).rstrip() for line in text.splitlines())
        protos = []
        for f in self.functions.values():
            if f.doc:
                protos.append(f"/* {f.doc} */")
            protos.append(f.prototype(self.ctype))
        version = ".".join(map(str, llvm.llvm_version_info))
        return (f"/*\n{note}\n *\n * Built by sympile with LLVM {version} for "
                f"{llvm.get_host_cpu_name()} ({llvm.get_process_triple()}).\n"
                f" * Link: cc main.c {stem}.o {' '.join(self.libraries)}   or   "
                f"cc main.c -L. -l:{stem}.so -lm\n */\n"
                f"#ifndef {guard}\n#define {guard}\n\n#include <stdint.h>\n\n"
                f"#ifdef __cplusplus\n#define restrict __restrict\nextern \"C\" {{\n#endif\n\n"
                + "\n".join(protos) + (f"\n\n{extra.strip()}" if extra.strip() else "") +
                f"\n\n#ifdef __cplusplus\n}}\n#undef restrict\n#endif\n\n#endif\n")

    def write(self, path: str | Path, header: bool = True, shared: bool = True,
              header_extra: str = "") -> list[Path]:
        """Write ``path``.o (and ``path``.so, linked with the system C compiler, and ``path``.h).

        ``path`` is a stem: ``lib.write("out/kernels")`` writes out/kernels.o, .so and .h;
        ``header_extra`` is appended to the header's declarations (constant data). Each file
        appears at once (written under a temporary name, then renamed).
        """
        stem = Path(path)
        stem.parent.mkdir(parents=True, exist_ok=True)
        obj = stem.with_name(stem.name + ".o")
        _write_atomic(obj, self.object_code())
        written = [obj]
        if shared:
            cc = _c_compiler()
            if cc is None:
                raise RuntimeError(f"wrote {obj}, but no C compiler was found to link "
                                   f"{stem.name}.so; install cc (or set $CC), or call "
                                   f"write(..., shared=False)")
            so = stem.with_name(stem.name + ".so")
            fd, tmp = tempfile.mkstemp(dir=so.parent, suffix=".so.tmp")
            os.close(fd)
            proc = subprocess.run([cc, "-shared", "-o", tmp, str(obj), *self.libraries],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                os.unlink(tmp)
                raise RuntimeError(f"linking {so} with {cc} failed:\n{proc.stderr}")
            os.chmod(tmp, 0o755)
            os.replace(tmp, so)
            written.append(so)
        if header:
            h = stem.with_name(stem.name + ".h")
            _write_atomic(h, self.header(stem.name, header_extra).encode())
            written.append(h)
        return written


def _write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename: readers never see a partial file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix + ".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o644)                  # mkstemp's 0600 would hide the file from others
    os.replace(tmp, path)
