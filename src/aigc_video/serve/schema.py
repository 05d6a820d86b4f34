"""The job request the API accepts, validated against `aigc_video.limits`, and 422 messages that
name the field and the limit."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .. import limits
from ..engines import DEFAULT_ENGINE, ENGINES
from ..presets import PRESETS, QUALITIES
from ..vocab import TRANSITIONS

Engine = Literal[ENGINES]  # type: ignore[valid-type]
Quality = Literal[QUALITIES]  # type: ignore[valid-type]
Transition = Literal[TRANSITIONS]  # type: ignore[valid-type]


class JobRequest(BaseModel):
    """One video to make. Only these fields: no paths, no checkpoints, no code."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=limits.MAX_TEXT_CHARS,
                      description="a prompt or a script, English or Chinese; one sentence per shot")
    engine: Engine = DEFAULT_ENGINE
    width: int = Field(640, ge=limits.MIN_SIDE, le=limits.MAX_SIDE, description="even, pixels")
    height: int = Field(360, ge=limits.MIN_SIDE, le=limits.MAX_SIDE, description="even, pixels")
    fps: int = Field(24, ge=limits.MIN_FPS, le=limits.MAX_FPS)
    seed: int = Field(0, ge=0, le=limits.MAX_SEED)
    audio: bool = Field(True, description="narration and music; false makes a silent video")
    narration: Literal["auto", "require", "off"] = "auto"
    subtitles: Literal["srt", "burn", "none"] = "srt"
    quality: Quality | None = Field(None, description="draft | standard | high: size and fps when not "
                                    "given, the flow engine's steps, the encoder's preset and CRF")
    transition: Transition = Field("crossfade", description="cut | crossfade | morph: how a shot is entered "
                                   "when the script puts no [cut]/[crossfade]/[morph] before it")
    max_duration_s: float = Field(limits.MAX_VIDEO_SECONDS, gt=0, le=limits.MAX_VIDEO_SECONDS,
                                  description="the job fails if the script would last longer")
    project: str | None = Field(None, description="videos of one project share their watermark's video id, "
                                "so an edited script re-encodes only the shots that changed")

    @field_validator("project")
    @classmethod
    def _project(cls, v: str | None) -> str | None:
        try:
            return limits.check_project(v)
        except ValueError as error:      # InputError is a ValueError
            raise ValueError(str(error)) from None

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError(f"text is blank: give 1 to {limits.MAX_TEXT_CHARS} characters")
        return v

    @field_validator("width", "height")
    @classmethod
    def _even(cls, v: int, info) -> int:
        if v % 2:
            raise ValueError(f"{info.field_name} {v} must be even (H.264 yuv420p needs even dimensions)")
        return v

    @model_validator(mode="after")
    def _pixels(self) -> "JobRequest":
        if self.quality is not None:     # the preset's size and fps where the request gave none
            preset = PRESETS[self.quality]
            if not {"width", "height"} & self.model_fields_set:
                self.width, self.height = preset.size
            if "fps" not in self.model_fields_set:
                self.fps = preset.fps
        if self.width * self.height > limits.MAX_PIXELS:
            raise ValueError(f"size {self.width}x{self.height} has {self.width * self.height} pixels, "
                             f"over the limit {limits.MAX_PIXELS} (1920x1080)")
        return self


def describe_error(error: dict) -> dict:
    """One pydantic error as {field, message}; the message names the field, the value, the limit."""
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    field = ".".join(loc) or ("size" if "pixels" in error.get("msg", "") else "body")
    msg = error.get("msg", "invalid").removeprefix("Value error, ")
    value = error.get("input")
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return {"field": "body", "message": f"the request body is not valid JSON ({reason})"}
    if error.get("type") == "extra_forbidden":
        hint = "; send a picture as a file to POST /api/jobs/with-image" if field == "image" else ""
        return {"field": field, "message": f"{field} is not a field of a job request{hint}"}
    if error.get("type") == "missing":
        return {"field": field, "message": f"{field} is required"}
    if msg.startswith(field.split(".")[-1]) or msg.startswith("size") or msg.startswith("text"):
        return {"field": field, "message": msg}
    if isinstance(value, str) and len(value) > 40:
        shown = f"({len(value)} characters)"
    elif isinstance(value, (dict, list)):
        shown = ""
    else:
        shown = repr(value)
    return {"field": field, "message": f"{field} {shown}: {msg}".replace("  ", " ")}
