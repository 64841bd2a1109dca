"""The shared core layer, bundled locally (no Docker): our package + arm64 wheels from PyPI."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.names import BUILD_DIR, CORE_PACKAGE_DIR, LAYER_REQUIREMENTS, tree_hash

PYTHON_VERSION = "3.13"
PLATFORM = "aarch64-manylinux_2_28"  # Lambda Python 3.13 runs on Amazon Linux 2023 (glibc 2.34)


def _dependencies_dir() -> Path:
    """arm64 wheels for the layer, installed once per requirements file and reused."""
    key = hashlib.sha256(LAYER_REQUIREMENTS.read_bytes() + PLATFORM.encode() + PYTHON_VERSION.encode())
    target = BUILD_DIR / "layer-deps" / key.hexdigest()[:16]
    if not (target / ".complete").exists():
        shutil.rmtree(target, ignore_errors=True)
        uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv") or "uv"
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--target",
                str(target / "python"),
                "--python-platform",
                PLATFORM,
                "--python-version",
                PYTHON_VERSION,
                "--only-binary",
                ":all:",
                "-r",
                str(LAYER_REQUIREMENTS),
            ],
            check=True,
        )
        (target / ".complete").touch()
    return target


@jsii.implements(ILocalBundling)
class _LocalLayerBundling:
    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        out = Path(output_dir) / "python"
        shutil.copytree(_dependencies_dir() / "python", out, dirs_exist_ok=True)
        shutil.copytree(
            CORE_PACKAGE_DIR,
            out / CORE_PACKAGE_DIR.name,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        return True


class CoreLayer(Construct):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=lambda_.Code.from_asset(
                str(CORE_PACKAGE_DIR.parent),
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=tree_hash(CORE_PACKAGE_DIR, LAYER_REQUIREMENTS),
                bundling=BundlingOptions(
                    image=DockerImage.from_registry("unused-local-bundling-only"),
                    local=_LocalLayerBundling(),
                ),
            ),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_13],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="inquiry_desk core package and its runtime dependencies",
        )
