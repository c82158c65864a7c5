"""Deterministic synthetic sample of the India → Japan aluminium corridor (`corridor sample`)."""

from corridor.sample.generate import SAMPLE_DATASET, generate_sample, load_calibration

__all__ = ["SAMPLE_DATASET", "generate_sample", "load_calibration"]
