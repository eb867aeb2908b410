"""Building blocks of the scenario schema: the strict base model and the number, name and side types
every table uses (see `schema.py`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SIDES = ("A", "B")
KINDS = ("sensor", "drone", "patrol", "satellite", "inspection")
SECTOR_KINDS = ("satellite", "inspection")  # a unit covers a stretch of the line (sector_km), not a disc
Kind = Literal["sensor", "drone", "patrol", "satellite", "inspection"]


class StrictModel(BaseModel):
    """The base of every table: frozen, unknown keys forbidden, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, use_attribute_docstrings=True)


# Strict numbers: TOML gives real numbers, so a string or a boolean where a number belongs
# is a mistake to report, not to convert (a TOML integer is still a valid float).
Positive = Annotated[float, Field(gt=0, strict=True)]
Probability = Annotated[float, Field(ge=0, le=1, strict=True)]
NonNegative = Annotated[float, Field(ge=0, strict=True)]
Lon = Annotated[float, Field(ge=-180, le=180, strict=True)]
Lat = Annotated[float, Field(ge=-90, le=90, strict=True)]
Count = Annotated[int, Field(ge=0, strict=True)]
Flag = Annotated[bool, Field(strict=True)]
Side = Literal["A", "B"]
# A name is used in output paths (out/<scenario>, baselines/<name>.json): no separators, no "..", no leading dot
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
