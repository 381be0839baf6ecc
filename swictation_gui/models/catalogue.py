"""The two supported Parakeet-TDT models and how to find a model folder on disk."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from swictation_gui import paths
from swictation_gui.errors import ModelNotInstalledError

_RELEASES = "https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models/"


class Device(enum.StrEnum):
    """Where a model is meant to run."""

    CPU = "cpu"
    CUDA = "cuda"


@dataclass(frozen=True)
class ModelFiles:
    """File names of one sherpa-onnx NeMo transducer folder."""

    encoder: str
    decoder: str
    joiner: str
    tokens: str = "tokens.txt"

    def all(self) -> tuple[str, str, str, str]:
        """Every required file name, encoder first."""
        return (self.encoder, self.decoder, self.joiner, self.tokens)


PLAIN_FILES = ModelFiles("encoder.onnx", "decoder.onnx", "joiner.onnx")
INT8_FILES = ModelFiles("encoder.int8.onnx", "decoder.int8.onnx", "joiner.int8.onnx")


@dataclass(frozen=True)
class ExtraFile:
    """A small file installed next to the models (``models_dir()/name``), pinned by size and SHA-256."""

    name: str
    url: str
    size: int
    sha256: str
    source: str


SILERO_VAD = ExtraFile(
    name="silero_vad.onnx",
    url="https://github.com/snakers4/silero-vad/raw/v6.2.3/src/silero_vad/data/silero_vad.onnx",
    size=2_327_524,
    sha256="1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
    # The digest was taken from the same file in the silero-vad 6.2.3 wheel on PyPI
    # (silero_vad/data/silero_vad.onnx), which sherpa-onnx 2.0.1's VadModel loads (576-sample windows).
    source="silero-vad 6.2.3 (PyPI wheel, silero_vad/data/silero_vad.onnx)",
)
"""The voice-activity detector progressive recognition uses to find pauses (``recognition/vad.py``)."""


@dataclass(frozen=True)
class ModelSpec:
    """One entry of the catalogue.

    Attributes:
        key: Short name used on the command line and in settings ("gpu" or "cpu").
        name: Folder name, identical to the archive's top folder.
        display_name: What the UI shows.
        device: The device the model is meant for.
        files: Its file layout.
        feat_dim: Mel bins the encoder expects.
        url: Download address of the .tar.bz2 archive.
        archive_top: Top folder inside the archive, exactly as stored (may start with "./").
        archive_size: Archive size in bytes, or None where no source gives it.
        sha256: Archive digest, or None where unknown.
        sha256_verified: False when the digest comes from a single third-party source.
        unpacked_mb: Approximate size on disk after extraction.
        extras: Small files downloaded with the model into the models folder (the voice detector).
    """

    key: str
    name: str
    display_name: str
    device: Device
    files: ModelFiles
    feat_dim: int
    url: str
    archive_top: str
    archive_size: int | None
    sha256: str | None
    sha256_verified: bool
    unpacked_mb: int
    extras: tuple[ExtraFile, ...] = ()


GPU_MODEL = ModelSpec(
    key="gpu",
    name="sherpa-onnx-nemo-parakeet_tdt_transducer_110m-en-36000",
    display_name="Parakeet-TDT 110M English (fp32, GPU)",
    device=Device.CUDA,
    files=PLAIN_FILES,
    feat_dim=80,
    url=_RELEASES + "sherpa-onnx-nemo-parakeet_tdt_transducer_110m-en-36000.tar.bz2",
    archive_top="./sherpa-onnx-nemo-parakeet_tdt_transducer_110m-en-36000",
    archive_size=None,
    # One third-party catalogue only: not verified against the publisher.
    sha256="4cb81f605eb7bc6fe0d69cd9d4045161e1691a64c2b7d4f1e7d5099e1d3bc024",
    sha256_verified=False,
    unpacked_mb=456,
    extras=(SILERO_VAD,),
)

CPU_MODEL = ModelSpec(
    key="cpu",
    name="sherpa-onnx-nemo-parakeet-tdt-0.6b-v3-int8",
    display_name="Parakeet-TDT 0.6B v3 multilingual (int8, CPU)",
    device=Device.CPU,
    files=INT8_FILES,
    feat_dim=128,
    url=_RELEASES + "sherpa-onnx-nemo-parakeet-tdt-0.6b-v3-int8.tar.bz2",
    archive_top="sherpa-onnx-nemo-parakeet-tdt-0.6b-v3-int8",
    archive_size=487_170_055,
    sha256="5793d0fd397c5778d2cf2126994d58e9d56b1be7c04d13c7a15bb1b4eafb16bf",
    sha256_verified=True,
    unpacked_mb=640,
    extras=(SILERO_VAD,),
)

CATALOGUE: tuple[ModelSpec, ...] = (GPU_MODEL, CPU_MODEL)



def spec_for_key(key: str) -> ModelSpec | None:
    """The catalogue entry named ``key`` ("gpu"/"cpu" or a folder name), else None."""
    for spec in CATALOGUE:
        if key in (spec.key, spec.name):
            return spec
    return None


def installed_dir(spec: ModelSpec, root: Path | None = None) -> Path:
    """Where ``spec`` lives once installed (whether or not it is there)."""
    return (root or paths.models_dir()) / spec.name


def detect_files(folder: Path) -> ModelFiles:
    """The layout used by ``folder``: int8 names if its int8 encoder exists, else plain names."""
    if (folder / INT8_FILES.encoder).exists() and not (folder / PLAIN_FILES.encoder).exists():
        return INT8_FILES
    return PLAIN_FILES


@dataclass(frozen=True)
class ModelLocation:
    """A model folder chosen by the user, with its catalogue entry when it has one."""

    folder: Path
    files: ModelFiles
    spec: ModelSpec | None

    @property
    def label(self) -> str:
        """A short name for messages and tables."""
        return self.spec.display_name if self.spec else str(self.folder)


def resolve(choice: str, root: Path | None = None) -> ModelLocation:
    """Turn "gpu", "cpu" or a folder path into a model location.

    Raises:
        ModelNotInstalledError: ``choice`` names a catalogue model that is not installed.
    """
    spec = spec_for_key(choice)
    if spec is not None:
        folder = installed_dir(spec, root)
        if not folder.is_dir():
            raise ModelNotInstalledError(
                f"The {spec.display_name} model is not installed (expected in {folder}). "
                f"Install it with: swictation-gui models download {spec.key}")
        return ModelLocation(folder, spec.files, spec)
    folder = Path(choice).expanduser()
    files = detect_files(folder)
    matched = next((s for s in CATALOGUE if s.name == folder.name and s.files == files), None)
    return ModelLocation(folder, files, matched)
