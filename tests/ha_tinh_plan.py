"""What the Hà Tĩnh plan names, as a person reads it in the seed text (section II.1.b): the
expected values the rules file and the engine are checked against, kept in one place."""

from __future__ import annotations

DISTRICTS = (
    "ubnd-tp-ha-tinh",
    "ubnd-tx-hong-linh",
    "ubnd-tx-ky-anh",
    "ubnd-h-can-loc",
    "ubnd-h-cam-xuyen",
    "ubnd-h-duc-tho",
    "ubnd-h-huong-khe",
    "ubnd-h-huong-son",
    "ubnd-h-ky-anh",
    "ubnd-h-loc-ha",
    "ubnd-h-nghi-xuan",
    "ubnd-h-thach-ha",
    "ubnd-h-vu-quang",
)
"""The 13 district People's Committees, in the plan's order."""

II1_DEPARTMENTS = (
    "so-tttt",
    "so-vhttdl",
    "so-gddt",
    "so-nnptnt",
    "so-tnmt",
    "so-yt",
    "so-nv",
    "so-ngv",
    "so-khcn",
    "so-ldtbxh",
)
"""The departments that lead content area II.1, in the plan's order."""
