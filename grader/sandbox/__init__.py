"""Running student code in a separate, limited process that returns only plain data."""

from grader.sandbox.limits import Limits
from grader.sandbox.parent import Sandbox, SourceSpec
from grader.sandbox.template import Zygote
from grader.sandbox.values import SympyText, TensorData, Unsupported

__all__ = ["Limits", "Sandbox", "SourceSpec", "SympyText", "TensorData", "Unsupported", "Zygote"]
