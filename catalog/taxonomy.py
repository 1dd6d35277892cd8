"""The life-situation keys of taxonomy v1 (labels and vocabularies live in locales/)."""

from __future__ import annotations

SITUATIONS: tuple[str, ...] = (
    "poverty",
    "unemployment",
    "homelessness",
    "domestic_violence",
    "addiction",
    "disability",
    "illness",
    "mental_health",
    "elderly_care",
    "family",
    "youth",
    "foster_care_leaving",
    "after_prison",
    "foreigners",
    "crisis_event",
    "human_trafficking",
    "legal_aid",
    "housing",
    "education",
)
