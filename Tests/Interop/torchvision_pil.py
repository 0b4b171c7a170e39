"""torchvision's transforms for PIL images, importable beside torch's CPU build.

PyPI's torchvision wheel carries C++ operators (nms, roi_align, …) built against the CUDA
build of torch; with the CPU build in .venv, importing torchvision fails while it registers
fake kernels for those operators (torchvision/_meta_registrations.py). The PIL path of
`torchvision.transforms` (Resize, CenterCrop, ToTensor, Normalize) is pure Python over Pillow
and never touches those operators, so that one registration module is replaced by an empty
one before the import. Everything compared with is torchvision's own, unmodified code."""
import sys
import types

sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))

import torchvision  # noqa: E402
from torchvision import transforms  # noqa: E402

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def imagenet_eval(size):
    """The usual evaluation transform of pretrained ImageNet models."""
    return transforms.Compose([
        transforms.Resize(size),
        transforms.CenterCrop(size),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])


VERSION = torchvision.__version__
