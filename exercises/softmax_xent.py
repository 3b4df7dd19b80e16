"""softmax_xent — softmax and cross-entropy that never overflow.

Run `grade show softmax_xent` for the statement and `grade softmax_xent` to check your work.
Every function accepts numpy arrays or torch tensors (float16, float32 or float64, on any
device) and returns the same kind, with the same dtype, on the same device.
"""

import numpy as np
import torch


def softmax(z, axis=-1):
    """exp(z) / Σ exp(z) along `axis`, with no overflow, no nan and rows summing to 1
    for entries up to ±1e4. Same shape as z."""
    raise NotImplementedError


def log_softmax(z, axis=-1):
    """log softmax(z) along `axis`, computed via logsumexp: finite wherever softmax
    underflows to 0. Same shape as z."""
    raise NotImplementedError


def cross_entropy(logits, labels):
    """The mean over the n rows of −log softmax(logits)[i, labels[i]], without forming
    softmax first. logits is (n, k), labels (n,) integers in [0, k). A 0-d value: a
    number for numpy logits, a 0-d tensor for torch logits."""
    raise NotImplementedError


def cross_entropy_grad(logits, labels):
    """∂ cross_entropy(logits, labels) / ∂ logits = (softmax(logits) − one_hot(labels)) / n,
    shape (n, k)."""
    raise NotImplementedError


if __name__ == "__main__":
    z = np.array([[1.0, 2.0, 3.0], [1e4, 0.0, -1e4]])
    print(softmax(z))
    print(log_softmax(torch.tensor(z, dtype=torch.float16)))
    labels = np.array([2, 0])
    print(cross_entropy(z, labels), cross_entropy_grad(z, labels))
