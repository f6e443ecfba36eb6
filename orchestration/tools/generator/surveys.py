"""Post-contact surveys: a minority of contacts answer a few hours to days later.

Scores hang together: a contact the customer had to repeat scores lower and
usually says "not resolved"; CSAT, NPS and CES are correlated; some fields
are left empty by the respondent.
"""

from __future__ import annotations

import numpy as np

from .timeline import NULL


def draw(
    rng: np.random.Generator,
    source: np.ndarray,
    interaction_id: np.ndarray,
    end: np.ndarray,
    rate: np.ndarray,
    repeated: np.ndarray,
) -> dict:
    """Survey responses for the given contacts (all sources of one day together)."""
    pick = rng.random(len(rate)) < rate
    idx = np.nonzero(pick)[0]
    n = len(idx)
    rep = repeated[idx]
    delay = np.clip(np.exp(np.log(5 * 3600) + 1.2 * rng.standard_normal(n)), 600, 6 * 86400).astype(np.int64)
    latent = np.where(rep, 2.9, 4.25) + rng.normal(0, 0.85, n)
    csat = np.clip(np.rint(latent), 1, 5).astype(np.int64)
    nps = np.clip(np.rint(2.3 * latent - 1.2 + rng.normal(0, 1.2, n)), 0, 10).astype(np.int64)
    ces = np.clip(np.rint(1.35 * latent - 0.2 + rng.normal(0, 0.9, n)), 1, 7).astype(np.int64)
    resolved = np.where(rng.random(n) < 0.85, ~rep, rep).astype(np.int8)
    blank = rng.random((4, n))
    return {
        "interaction_source": source[idx],
        "interaction_id": interaction_id[idx],
        "responded": end[idx] + delay,
        "csat": np.where(blank[0] < 0.03, NULL, csat),
        "nps": np.where(blank[1] < 0.08, NULL, nps),
        "ces": np.where(blank[2] < 0.10, NULL, ces),
        "resolved": np.where(blank[3] < 0.06, -1, resolved).astype(np.int8),
    }
