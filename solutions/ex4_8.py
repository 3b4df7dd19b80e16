"""ex4_8 — reference solution: why not W=0, b=0."""

import math

import torch
from torch import nn

# Bodies that are public facts, so a handout may contain them (the release audit skips
# these): the two std formulas are given in the statement, and _linears is a one-line
# helper the public probes need too.
PUBLIC_BODIES = ("xavier_std", "he_std", "_linears")


def xavier_std(fan_in, fan_out):
    """Glorot/Xavier normal std: sqrt(2 / (fan_in + fan_out))."""
    return math.sqrt(2.0 / (fan_in + fan_out))


def he_std(fan_in):
    """He/Kaiming normal std for ReLU-like layers: sqrt(2 / fan_in)."""
    return math.sqrt(2.0 / fan_in)


def _linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


@torch.no_grad()
def init_zeros_(model):
    for layer in _linears(model):
        layer.weight.zero_()
        if layer.bias is not None:
            layer.bias.zero_()
    return model


@torch.no_grad()
def _init_normal_(model, std_of, generator):
    for layer in _linears(model):
        layer.weight.normal_(0.0, std_of(layer), generator=generator)
        if layer.bias is not None:
            layer.bias.zero_()
    return model


def init_xavier_(model, generator=None):
    return _init_normal_(model, lambda m: xavier_std(m.in_features, m.out_features), generator)


def init_he_(model, generator=None):
    return _init_normal_(model, lambda m: he_std(m.in_features), generator)


@torch.no_grad()
def symmetry_gap(layer):
    """Largest spread, over incoming-weight and bias coordinates, between output units."""
    params = layer.weight
    if layer.bias is not None:
        params = torch.cat([params, layer.bias[:, None]], dim=1)
    spread = params.max(dim=0).values - params.min(dim=0).values
    return float(spread.max())


if __name__ == "__main__":
    net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    print(symmetry_gap(init_zeros_(net)[0]), symmetry_gap(init_he_(net)[0]))
