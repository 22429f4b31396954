"""`pip install .` for the Python package flowprior: python/flowprior plus the C++ module _flowprior, built by
CMake (target _flowprior only, no tests or benchmarks) in build-pip/ and copied into the package."""
import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent
BUILD_BASE = "build-pip"  # not build/: that is the command line's build folder


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve()
        build_dir = ROOT / BUILD_BASE / "cmake"
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                        "-DFLOWPRIOR_TESTS=OFF", "-DFLOWPRIOR_BENCH=OFF", "-DFLOWPRIOR_PYTHON=ON",
                        f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_flowprior", "-j",
                        os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))], check=True)
        built = sorted((build_dir / "python" / "flowprior").glob("_flowprior*.so"))
        if not built:
            raise RuntimeError(f"CMake did not build the module _flowprior in {build_dir} (is pybind11-dev installed?)")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[0], target)


os.makedirs(ROOT / BUILD_BASE, exist_ok=True)
setup(
    name="flowprior",
    version="0.1.0",
    description="Sequential Bayesian inference with normalizing-flow priors (C++ core, Python bindings)",
    python_requires=">=3.8",
    install_requires=["numpy"],
    packages=["flowprior"],
    package_data={"flowprior": ["py.typed", "*.pyi"]},  # PEP 561: stubs of the compiled module
    package_dir={"": "python"},
    ext_modules=[CMakeExtension("flowprior._flowprior")],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": BUILD_BASE}, "egg_info": {"egg_base": BUILD_BASE}},
    zip_safe=False,
)
