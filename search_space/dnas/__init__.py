"""Differentiable NAS (DNAS) for the DS-CNN spaces under a board's latency, SRAM and flash budget.

- :mod:`.resources` — expected ops / flash / working memory of a distribution over choices;
- :mod:`.constraints` — the board's budget from its firmware, the up-front feasibility check;
- :mod:`.supernet` — the weight-sharing, width-masked TensorFlow supernet with Gumbel-softmax;
- :mod:`.search` — the search loop, derivation, repair and fit check, fine-tune and int8 export;
- :mod:`.subnet` — a derived architecture as a flat-vector model (federated training) and Keras export;
- :mod:`.synthetic_keywords` — a synthetic 49×10 MFCC keyword task split by speaker.

Import the submodules directly (TensorFlow loads only with supernet/subnet/search).
"""
